using System.Diagnostics;

namespace FacilityFS.TestServers;

/// <summary>nginx with its dav module and the dav-ext module for PROPFIND (Debian nginx + libnginx-mod-http-dav-ext).</summary>
public sealed class NginxServer(string? root, int? port) : WebDavServer(root, port)
{
    private string ConfigPath => Path.Combine(Root, "nginx.conf");

    public override ServerKind Kind => ServerKind.Nginx;

    protected override void WriteConfig()
    {
        Directory.CreateDirectory(Path.Combine(RunDirectory, "body"));
        var user = Posix.IsRoot ? "user root;" : "";
        File.WriteAllText(ConfigPath, $$"""
            load_module /usr/lib/nginx/modules/ngx_http_dav_ext_module.so;
            {{user}}
            daemon off;
            worker_processes 2;
            pid {{RunDirectory}}/nginx.pid;
            error_log {{ErrorLogPath}} warn;
            events { worker_connections 512; }
            http {
                log_format ffs '$request_method $status "$uri" "$http_range"';
                access_log {{AccessLogPath}} ffs;
                client_body_temp_path {{RunDirectory}}/body;
                sendfile on;
                keepalive_requests 100000;
                keepalive_timeout 30s;
                server {
                    listen 127.0.0.1:{{Port}};
                    root {{DataDirectory}};
                    client_max_body_size 0;
                    dav_methods PUT DELETE MKCOL COPY MOVE;
                    dav_ext_methods PROPFIND OPTIONS;
                    create_full_put_path off;
                    dav_access user:rw group:r all:r;
                }
            }
            """);
    }

    protected override ProcessStartInfo StartInfo() => new("/usr/sbin/nginx", ["-p", Root, "-c", ConfigPath, "-e", ErrorLogPath]);
}

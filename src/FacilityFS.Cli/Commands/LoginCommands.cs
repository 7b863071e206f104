using System.CommandLine;
using FacilityFS.Cli.Config;
using FacilityFS.Cli.Output;
using FacilityFS.Identity;
using FacilityFS.Identity.Oidc;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FacilityFS.Cli.Commands;

/// <summary>`login`, `logout`, `token`, `whoami`: OpenID Connect sessions for remotes with an `oidc:` section, kept in ~/.config/facilityfs/tokens.</summary>
internal static class LoginCommands
{
    private static Argument<string> RemoteName() => new("REMOTE") { Description = "A configured remote with an oidc: section (name or name:)" };

    public static Command LoginCommand(CliContext context)
    {
        var remote = RemoteName();
        var issuer = new Option<string?>("--issuer") { Description = "The OpenID provider (overrides oidc.issuer)" };
        var clientId = new Option<string?>("--client-id") { Description = "The client registered there (overrides oidc.client_id)" };
        var secretFile = new Option<string?>("--client-secret-file") { Description = "A file holding the client's secret (never give a secret on the command line: others see it in ps)" };
        var scope = new Option<string?>("--scope") { Description = "Scopes to ask for, space-separated (overrides oidc.scope)" };
        var browser = new Option<bool>("--browser") { Description = "Log in in this machine's browser (authorization code + PKCE; overrides oidc.flow)" };
        var device = new Option<bool>("--device") { Description = "Log in with a code on any device (device flow; overrides oidc.flow)" };
        var command = new Command("login", "Log in to a remote's OpenID provider: in this machine's browser (oidc.flow: browser, or --browser), or by opening the URL shown and entering the code (device flow)")
        {
            remote, issuer, clientId, secretFile, scope, browser, device,
        };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (cmd, token) =>
        {
            var (name, oidc) = OidcOf(cmd, parse.GetValue(remote)!);
            if (parse.GetValue(issuer) is { } i)
                oidc = oidc with { Issuer = Uri.TryCreate(i, UriKind.Absolute, out var u) ? u : throw new UsageException($"--issuer {i}: not a URL") };
            if (parse.GetValue(clientId) is { } c) oidc = oidc with { ClientId = c };
            if (parse.GetValue(secretFile) is { } f) oidc = oidc with { ClientSecretFile = ConfigLoader.ExpandHome(f) };
            if (parse.GetValue(scope) is { } s) oidc = oidc with { Scope = s };
            var (askedBrowser, askedDevice) = (parse.GetValue(browser), parse.GetValue(device));
            if (askedBrowser && askedDevice) throw new UsageException("give --browser or --device, not both");
            if (askedBrowser) oidc = oidc with { Flow = OidcFlow.Browser };
            if (askedDevice) oidc = oidc with { Flow = OidcFlow.Device };
            var client = Login.ClientFor(oidc);
            var state = oidc.Flow switch
            {
                OidcFlow.ClientCredentials => await client.ClientCredentialsAsync(token).ConfigureAwait(false),
                OidcFlow.Browser when await BrowserOrWhyNotAsync(context, client, explicitly: askedBrowser, token).ConfigureAwait(false) is { } opener
                    => await BrowserLoginAsync(context, client, name, opener, token).ConfigureAwait(false),
                _ => await DeviceLoginAsync(context, client, name, token).ConfigureAwait(false),
            };
            Login.Store.Write(name, state);
            context.Line($"logged in to {name} as {Describe(state).Subject} (token valid until {state.ExpiresAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}; kept in {Login.Store.PathOf(name)})");
        }, ct));
        return command;
    }

    /// <summary>The command that opens a browser here, or null (with the reason said) when the device login must do: no display, or a provider without the code grant; asked for explicitly, either is an error.</summary>
    private static async Task<string?> BrowserOrWhyNotAsync(CliContext context, OidcClient client, bool explicitly, CancellationToken token)
    {
        string? why = null;
        var opener = SystemBrowser.Opener();
        if (opener is null) why = "there is no display to open a browser on (neither DISPLAY nor WAYLAND_DISPLAY is set, or xdg-open is missing)";
        else if (!await client.OffersBrowserLoginAsync(token).ConfigureAwait(false))
            why = $"{client.Settings.Issuer} offers no browser login (no authorization_code grant in its discovery document)";
        if (why is null) return opener;
        if (explicitly) throw new CredentialException($"cannot log in with --browser: {why}; use --device");
        context.ErrorLine($"{why}: logging in with a code instead (device flow)");
        return null;
    }

    private static Task<TokenState> BrowserLoginAsync(CliContext context, OidcClient client, string name, string opener, CancellationToken token) =>
        client.BrowserLoginAsync((start, _) =>
        {
            // The start URL carries no secret (PKCE keeps the verifier here), so it is shown for a browser that does not open by itself.
            context.ErrorLine($"To log in to {name}, log in in the browser that opens now; if none does, open {start.AbsoluteUri}");
            if (!SystemBrowser.Open(opener, start)) context.ErrorLine($"facilityfs: could not start '{opener}'; open the URL above yourself");
            context.ErrorLine("waiting for the login in the browser…");
            return Task.CompletedTask;
        }, BrowserPatience, token);

    private static readonly TimeSpan BrowserPatience = TimeSpan.FromMinutes(5);

    private static async Task<TokenState> DeviceLoginAsync(CliContext context, OidcClient client, string name, CancellationToken token)
    {
        var login = await client.StartDeviceLoginAsync(token).ConfigureAwait(false);
        context.ErrorLine($"To log in to {name}, open {login.VerificationUri} and enter the code {login.UserCode}");
        if (login.VerificationUriComplete is { } complete) context.ErrorLine($"(or open {complete})");
        context.ErrorLine($"waiting for the approval (the code is valid until {login.ExpiresAt.ToLocalTime():HH:mm:ss})…");
        return await client.WaitForDeviceLoginAsync(login, token,
            wait => context.ErrorLine($"the provider asks to poll more slowly: every {wait.TotalSeconds:0} s")).ConfigureAwait(false);
    }

    public static Command LogoutCommand(CliContext context)
    {
        var remote = RemoteName();
        var command = new Command("logout", "Revoke a remote's session at its provider (where offered) and forget its tokens") { remote };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var (name, oidc) = OidcOf(scope, parse.GetValue(remote)!);
            TokenState? state;
            try
            {
                state = Login.Store.Read(name);
            }
            catch (CredentialException e)
            {
                // A damaged file is still removed: logging out must not depend on being able to read it.
                context.ErrorLine($"facilityfs: {e.Message}");
                state = null;
            }
            var revoked = false;
            if (state?.RefreshToken is { } refreshToken)
            {
                try
                {
                    revoked = await Login.ClientFor(oidc).RevokeAsync(refreshToken, token).ConfigureAwait(false);
                }
                catch (CredentialException e)
                {
                    context.ErrorLine($"facilityfs: could not revoke the session ({e.Message}); forgetting it here anyway");
                }
            }
            var removed = Login.Store.Delete(name);
            context.Line(removed ? $"logged out of {name}{(revoked ? " (session revoked at the provider)" : "")}" : $"not logged in to {name}");
        }, ct));
        return command;
    }

    public static Command TokenCommand(CliContext context)
    {
        var remote = RemoteName();
        var command = new Command("token", "Print a valid access token for a remote (refreshed if needed), for scripts") { remote };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var (name, oidc) = OidcOf(scope, parse.GetValue(remote)!);
            var state = await Login.TokensOf(name, oidc).CurrentAsync(force: false, token).ConfigureAwait(false);
            context.Line(state.AccessToken);
        }, ct));
        return command;
    }

    public static Command WhoAmICommand(CliContext context)
    {
        var remote = RemoteName();
        var json = GlobalOptions.Json();
        var command = new Command("whoami", "Show whom a remote's session is for, its scopes and when its token ends") { remote, json };
        command.SetAction((parse, ct) => CommandScope.RunAsync(parse, context, async (scope, token) =>
        {
            var (name, oidc) = OidcOf(scope, parse.GetValue(remote)!);
            var state = await Login.TokensOf(name, oidc).CurrentAsync(force: false, token).ConfigureAwait(false);
            var who = Describe(state);
            if (parse.GetValue(json)) context.Json(who with { Remote = name });
            else
                context.Line($"{name}: {who.Subject}{(who.Name is null ? "" : $" ({who.Name})")} at {who.Issuer}; scopes: {who.Scope ?? "(none)"}; token valid until {state.ExpiresAt.ToLocalTime():yyyy-MM-dd HH:mm:ss}");
        }, ct));
        return command;
    }

    /// <summary>Whom a session is for, from the access token's claims (a JWT) or, for opaque tokens, the ID token's.</summary>
    internal sealed record SessionIdentity(string? Remote, string Subject, string? Name, string Issuer, string? Scope, string? Audience, DateTimeOffset ExpiresAt);

    private static SessionIdentity Describe(TokenState state)
    {
        JsonWebToken? Parse(string? text)
        {
            try
            {
                return text is not null && text.Count(c => c == '.') == 2 ? new JsonWebToken(text) : null;
            }
            catch (ArgumentException)
            {
                return null;
            }
        }
        var access = Parse(state.AccessToken);
        var id = Parse(state.IdToken);
        string? Claim(string type) => (access?.TryGetPayloadValue<string>(type, out var a) == true ? a : null) ?? (id?.TryGetPayloadValue<string>(type, out var b) == true ? b : null);
        return new SessionIdentity(null, Claim("sub") ?? "(an opaque token)", Claim("preferred_username") ?? Claim("name"), Claim("iss") ?? state.Issuer,
            Claim("scope") ?? state.Scope, access?.Audiences.FirstOrDefault(), state.ExpiresAt);
    }

    private static (string Name, OidcConfig Oidc) OidcOf(CommandScope scope, string remote)
    {
        var name = remote.TrimEnd(':');
        if (!scope.Config.Remotes.TryGetValue(name, out var config))
            throw new UsageException($"unknown remote '{name}'; login works for remotes configured in {scope.Config.Source ?? FacilityConfig.DefaultPath} with an oidc: section");
        return (name, config.Oidc ?? throw new UsageException($"remote '{name}' has no oidc: section (issuer, client_id) in {scope.Config.Source}; it does not log in"));
    }
}

using FacilityFS.Identity;

namespace FacilityFS.Cli.Config;

/// <summary>Asks for a remote's password on the terminal, without echo, once per run; with no terminal to ask on, says to use password_file.</summary>
public static class PasswordPrompt
{
    public static Func<string> For(string remote, string user)
    {
        string? answer = null;
        var gate = new Lock();
        return () =>
        {
            lock (gate) return answer ??= Ask(remote, user);
        };
    }

    private static string Ask(string remote, string user)
    {
        if (Console.IsInputRedirected)
            throw new CredentialException($"remote '{remote}' has a username but no password_file, and there is no terminal to ask for {user}'s password on; give password_file");
        Console.Error.Write($"password for {user} at {remote}: ");
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0) password.Length--;
            }
            else if (key.KeyChar != '\0')
            {
                password.Append(key.KeyChar);
            }
        }
        Console.Error.WriteLine();
        if (password.Length == 0) throw new CredentialException($"no password given for {user} at {remote}");
        return password.ToString();
    }
}

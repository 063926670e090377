// Finds files of the repository from the test binaries' folder (tests run from bin/...).
namespace R4.Tests;

public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Emulator.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Emulator.sln not found above " + AppContext.BaseDirectory);
    }
}

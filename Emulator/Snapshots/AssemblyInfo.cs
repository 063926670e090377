// R4.Snapshots: see README.md in this folder for what the project owns.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("R4.Tests")]

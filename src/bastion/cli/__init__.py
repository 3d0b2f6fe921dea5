"""The command-line shell: parse options, call the library, map the verdict to an exit code."""

/* A spy git.exe for the Windows suite: writes each argument on a line of
 * its own to the file SPY_LOG names, and exits 7, so that a test sees what
 * git-remote-codecommit.exe ran and that its exit status is passed on. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    const char *path = getenv("SPY_LOG");
    FILE *log = path ? fopen(path, "w") : NULL;
    if (!log) return 2;
    for (int i = 1; i < argc; i++) fprintf(log, "%s\n", argv[i]);
    fclose(log);
    return 7;
}

/*
 * The clpool command-line tool: pools .npy tensors, lists devices, benchmarks and tunes, built on
 * the public API only. This file only dispatches to the subcommands.
 */
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"devices", cli_command_devices},   {"pool", cli_command_pool},
    {"backward", cli_command_backward}, {"unpool", cli_command_unpool},
    {"bench", cli_command_bench},       {"tune", cli_command_tune},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(cli_main_help, stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(cli_main_help, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("clpool %s\n", clpool_version_string());
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; ++i)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr,
            "clpool: unknown command '%s' (commands: devices, pool, backward, unpool, bench, "
            "tune; see 'clpool --help')\n",
            argv[1]);
    return CLI_EXIT_USAGE;
}

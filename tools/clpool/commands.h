/*
 * The tool's subcommands. Each takes its own argv (argv[0] is the command's name) and returns the
 * process exit status: 0 success, 2 usage or input problems, 1 device or runtime failures.
 */
#ifndef CLPOOL_TOOLS_COMMANDS_H
#define CLPOOL_TOOLS_COMMANDS_H

int cli_command_devices(int argc, char **argv);
int cli_command_pool(int argc, char **argv);
int cli_command_backward(int argc, char **argv);
int cli_command_unpool(int argc, char **argv);
int cli_command_bench(int argc, char **argv);
int cli_command_tune(int argc, char **argv);

#endif

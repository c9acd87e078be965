/* Subcommands. Each takes the arguments after its name (argv[0] is the command name) and the
 * config path chosen by main; each returns a sysexits.h code. */
#ifndef PAPERBOY_CLI_H
#define PAPERBOY_CLI_H

#include "paperboy/config.h"
#include "paperboy/state.h"

int pb_cmd_run(int argc, char **argv, const char *config_path);
int pb_cmd_daemon(int argc, char **argv, const char *config_path);
int pb_cmd_fetch(int argc, char **argv, const char *config_path);
int pb_cmd_match(int argc, char **argv, const char *config_path);
int pb_cmd_preview(int argc, char **argv, const char *config_path);
int pb_cmd_check(int argc, char **argv, const char *config_path);
int pb_cmd_status(int argc, char **argv, const char *config_path);
int pb_cmd_retry(int argc, char **argv, const char *config_path);

/* Loads the config for a command; on failure prints "paperboy: FILE:LINE: KEY: MESSAGE" to
 * stderr and returns NULL (the command then returns EX_CONFIG). Also sets the log level. */
struct pb_config *pb_cli_load_config(const char *path);

/* Opens (creating state_dir when needed) the state database of cfg; prints why on failure
 * and returns NULL. */
struct pb_state *pb_cli_open_state(const struct pb_config *cfg);
/* The same in a mode of pb_state_open_mode; only PB_STATE_CREATE creates state_dir. */
struct pb_state *pb_cli_open_state_mode(const struct pb_config *cfg, enum pb_state_mode mode);

/* Creates dir and its parents (mode 0750). Returns 0, or -1 with errno set. */
int pb_mkdirs(const char *dir);

/* Reads a whole file ("-" = stdin) into *data and *len (NUL-terminated, caller frees).
 * Returns 0, or -1 with err filled. */
int pb_read_file(const char *path, char **data, size_t *len, char *err, size_t errlen);

#endif

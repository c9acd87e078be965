/* Subcommands. Each takes the arguments after its name (argv[0] is the command name) and the
 * config path chosen by main; each returns a sysexits.h code. */
#ifndef PAPERBOY_CLI_H
#define PAPERBOY_CLI_H

#include <stdio.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/papers.h"
#include "paperboy/state.h"

int pb_cmd_run(int argc, char **argv, const char *config_path);
int pb_cmd_daemon(int argc, char **argv, const char *config_path);
int pb_cmd_fetch(int argc, char **argv, const char *config_path);
int pb_cmd_match(int argc, char **argv, const char *config_path);
int pb_cmd_preview(int argc, char **argv, const char *config_path);
int pb_cmd_check(int argc, char **argv, const char *config_path);
int pb_cmd_status(int argc, char **argv, const char *config_path);
int pb_cmd_retry(int argc, char **argv, const char *config_path);
int pb_cmd_subscriber(int argc, char **argv, const char *config_path);
int pb_cmd_serve(int argc, char **argv, const char *config_path);
int pb_cmd_state(int argc, char **argv, const char *config_path);

/* One row per command: its name, its entry point, its options as the usage line shows them
 * (the same text as paperboy(1)'s SYNOPSIS and README's Commands) and one line saying what it
 * does. An option written with a value ("--feed FILE") takes the next argument as its value. */
struct pb_command {
	const char *name;
	int (*fn)(int argc, char **argv, const char *config_path);
	const char *args;
	const char *summary;
};

/* The commands, in the order --help lists them; *n is set to their number. */
const struct pb_command *pb_cli_commands(size_t *n);

/* The command named name, or NULL. */
const struct pb_command *pb_cli_command(const char *name);

/* Prints "usage: paperboy [-c FILE] [-v] NAME ARGS" for the command named name to f. */
void pb_cli_usage(FILE *f, const char *name);

/* Says on stderr what is wrong with arg, an argument command name does not take ("unknown
 * option or missing value: --feed", "unexpected argument: x"), then the command's usage;
 * returns EX_USAGE for the command to return. */
int pb_cli_bad_arg(const char *name, const char *arg);

/* The tail of a "no subscriber named NAME" message: "; did you mean \"lab\"?" when cfg has
 * a subscriber named nearly so (pb_config_closest_subscriber), else "". Written into buf,
 * which is returned. */
const char *pb_cli_did_you_mean(const struct pb_config *cfg, const char *name, char *buf,
				size_t n);
/* The same tail for a mistyped word among count words (pb_closest_word: a subcommand's
 * actions), and for a mistyped command among paperboy's. */
const char *pb_cli_did_you_mean_word(const char *word, const char *const *words, size_t count,
				     char *buf, size_t n);
const char *pb_cli_did_you_mean_command(const char *name, char *buf, size_t n);

/* Whether option opt of command cmd takes a value, as cmd's usage line says ("--feed FILE"
 * does, "--json" does not). */
int pb_cli_option_takes_value(const struct pb_command *cmd, const char *opt);

/* Checks value, given to command cmd's --date, with pb_date_valid: 0 when it is a date;
 * otherwise says on stderr that it is not one and returns -1 (the command then returns
 * EX_USAGE). */
int pb_cli_date_arg(const char *cmd, const char *value);

/* Loads the config for a command; on failure prints "paperboy: FILE:LINE: KEY: MESSAGE" to
 * stderr and returns NULL (the command then returns EX_CONFIG). Also sets the log level.
 * The subscribers kept in the state are added (pb_cli_with_stored, inactive ones left out);
 * each one left out as invalid is said on stderr as a warning. */
struct pb_config *pb_cli_load_config(const char *path);
/* The same with the inactive subscribers kept (paused, unsubscribed, suppressed): for a
 * command that names one of them and sends nothing to it by itself. */
struct pb_config *pb_cli_load_config_all(const char *path);
/* The same without the stored subscribers: the file's alone. */
struct pb_config *pb_cli_load_config_file(const char *path);

/* Adds to cfg (loaded from its file alone; consumed) the subscribers kept in the state under
 * cfg->state_dir, each checked by pb_config_load_stored and its rules by
 * pb_cli_stored_error; one that fails is left out and said in problems (one line each:
 * "stored subscriber NAME is left out: KEY: MESSAGE"). Unless keep_inactive, a subscriber
 * (stored or the file's) whose row says paused, unsubscribed or suppressed is left out
 * too. No state, or one of an older schema, adds nothing. rows_out (may be NULL) gets every
 * row (pb_sub_rows_free). Returns the config to use (never NULL). */
struct pb_config *pb_cli_with_stored(struct pb_config *cfg, int keep_inactive,
				     struct pb_sub_row **rows_out, size_t *n_rows_out,
				     struct pb_buf *problems);
/* Checks subscriber i of cfg's rules alone, as `check` does, and compiles them. Returns 0,
 * or -1 with the first finding appended to out ("FILE:LINE: KEY: subscriber S, topic T,
 * column C: MESSAGE" with the query and a caret line). */
int pb_cli_stored_error(const struct pb_config *cfg, size_t i, struct pb_buf *out);
/* Takes out of why, from offset from, the naming of subscriber name that a check's message
 * starts with ("subscriber NAME, topic T, ..." or "KEY: subscriber NAME: ..."), for a caller
 * that names the subscriber itself: said once. */
void pb_cli_drop_name(struct pb_buf *why, size_t from, const char *name);
/* Checks json, the settings of the stored subscriber name, as `subscriber add` and `edit`, the
 * web pages and the chat commands do: loaded with the config file at path alone (the checks of
 * a subscriber are its own; the file's subscribers are there for its name), its rules as
 * `check` reads them (pb_cli_stored_error), its addresses used by no other subscriber of cfg
 * (the file's config with the stored ones it could load; name's own left out). Returns 0,
 * or -1 with the reason appended to why ("KEY: MESSAGE", the rules' finding with its column,
 * query and caret line, or "email A is subscriber S's (WHERE)"); -2 (why filled) when the
 * file itself does not load (in the middle of an edit): nothing said of json. */
int pb_cli_stored_validate(const char *path, const struct pb_config *cfg, const char *name,
			   const char *json, struct pb_buf *why);

/* Runs every check `paperboy check` makes beyond pb_config_load: each subscriber's rules
 * parse (pb_config_check_rules: every error and the warnings) and compile as they will at run
 * time, the schedule can be computed in the timezone, and the model's prompt files can be
 * read when the model is on (pb_summary_prompts_check). check, the daemon's start and its
 * reload (SIGHUP) use it.
 * report NULL: returns 0, or -1 with err filled as "FILE:LINE: KEY: MESSAGE" (the rules'
 * findings, a parse error followed by its query and a caret line).
 * report given: the rules' findings, errors and warnings, are appended to it, each line as
 * `check` prints it ("paperboy: [warning: ]FILE:LINE: ..."), and when there are errors err
 * says only "N error(s) in the rules". n_warn (may be NULL) gets the number of warnings. */
int pb_cli_verify_config(const struct pb_config *cfg, struct pb_buf *report, size_t *n_warn,
			 char *err, size_t errlen);
/* Appends to out the matcher's rule error msg (pb_matcher_new's or pb_matcher_broken's format)
 * as "FILE:LINE: KEY: MESSAGE", at the line of the subscriber's topic it names; "CONFIG:
 * MESSAGE" when it names none. */
void pb_cli_rule_error(struct pb_buf *out, const struct pb_config *cfg, const char *msg);

/* Loads the papers rq asks for (pb_papers_load: a saved feed or arXiv, selected for the
 * categories) and says on stderr what went wrong, or a warning that came with the papers. res
 * may be NULL. Returns 0 (papers or no announcement: res->status tells) or the sysexits code
 * of pb_papers_exit_code. */
int pb_cli_load_papers(const struct pb_config *cfg, struct pb_papers_req *rq,
		       struct pb_paperset *ps, struct pb_fetch_result *res);
/* What pb_cli_load_papers says and returns once the papers are loaded (res): for a command
 * that loads them itself (fetch streaming a saved feed). */
int pb_cli_papers_outcome(const struct pb_papers_req *rq, const struct pb_fetch_result *res);

/* Opens cfg's state in mode: SQLite's under state_dir (created for PB_STATE_CREATE) or the
 * PostgreSQL database of state.conninfo. Prints why on failure and returns the exit code
 * (EX_TEMPFAIL when PostgreSQL cannot be reached, EX_CANTCREAT otherwise), else 0 with *out
 * set. */
int pb_cli_open_state_rc(const struct pb_config *cfg, enum pb_state_mode mode,
			 struct pb_state **out);
/* After a write to cfg's state st failed and was undone whole (one statement, or a
 * transaction rolled back): says why on stderr as "paperboy: WHAT: ..." and returns the exit
 * code. A state busy past the busy timeout (pb_state_busy) is said to be so, nothing changed,
 * with EX_TEMPFAIL, as pb_cli_open_state_rc says it at the open; anything else EX_IOERR with
 * the state's words. Read before anything else runs on st. */
int pb_cli_write_failed(const struct pb_config *cfg, struct pb_state *st, const char *what);
/* The same without a word: NULL with err filled and *temporary set as pb_state_open_pg. */
struct pb_state *pb_cli_state_open(const struct pb_config *cfg, enum pb_state_mode mode,
				   int *temporary, char *err, size_t errlen);
/* Whether cfg's state may hold something: SQLite's file exists; PostgreSQL's always may. */
int pb_cli_state_exists(const struct pb_config *cfg);
/* Where cfg's state is, for messages: the SQLite file, or "PostgreSQL at host=... dbname=..."
 * (never the password). Into buf; returns buf. */
const char *pb_cli_state_where(const struct pb_config *cfg, char *buf, size_t n);
/* Opens (creating state_dir when needed) the state database of cfg; prints why on failure
 * and returns NULL. */
struct pb_state *pb_cli_open_state(const struct pb_config *cfg);
/* The same in a mode of pb_state_open_mode; only PB_STATE_CREATE creates state_dir. */
struct pb_state *pb_cli_open_state_mode(const struct pb_config *cfg, enum pb_state_mode mode);
/* The state read-only when its database exists (for commands that only look, such as match
 * and preview ranking by the corpus and the likes), else NULL without a word. */
struct pb_state *pb_cli_open_state_if_any(const struct pb_config *cfg);

/* Creates dir and its parents (mode 0750). Returns 0, or -1 with errno set. */
int pb_mkdirs(const char *dir);

/* Reads a whole file ("-" = stdin) into *data and *len (NUL-terminated, caller frees).
 * Returns 0, or -1 with err filled. */
int pb_read_file(const char *path, char **data, size_t *len, char *err, size_t errlen);

#endif

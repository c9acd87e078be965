/* Private interface of the file sink (file.c) and its web archive (archive.c): the atomic
 * write both use, and the archive rebuilt after each digest.html is written. */
#ifndef PAPERBOY_DELIVER_ARCHIVE_H
#define PAPERBOY_DELIVER_ARCHIVE_H

#include <stddef.h>

#include "channel.h"

/* How many digests the archive's index lists and the feed holds, newest first. */
#define PB_ARCHIVE_INDEX_MAX 365
#define PB_ARCHIVE_FEED_MAX 30
/* A digest whose HTML body is longer than this is summarised in the feed, not included. */
#define PB_ARCHIVE_CONTENT_MAX (512 * 1024)

/* Records a failed local write in r: transient, "what path: strerror(e)". */
void pb_file_fail(struct pb_result *r, const char *what, const char *path, int e);

/* file.mode as a number, or -1 when the umask decides. */
int pb_file_mode(const struct pb_config *cfg);

/* Makes the folder path with mode (pb_file_mode; a folder gets search where it gets read).
 * Returns 0 when made or there already (left as it is), or -1 with errno. */
int pb_file_mkdir(const char *path, int mode);

/* Writes len bytes to path atomically (a temporary file beside it, fsync, rename, fsync of
 * dir, the directory path is in, which must exist), with mode when not -1, whatever the
 * umask. Returns 0, or -1 with r filled by pb_file_fail; r is not touched on success. */
int pb_file_put(const char *dir, const char *path, const void *data, size_t len, int mode,
		struct pb_result *r);

/* Whether s is a name the file sink writes in a subscriber's folder: a format's file
 * (pb_format_file), all.md, or one of them numbered as a part ("digest-telegram-02.json").
 * Only those go when a day built again leaves fewer files (file.c, "a day built again"). */
int pb_file_sink_name(const char *s);

/* Removes from dir the temporary files (NAME.tmpPID) of a writer of this machine that is gone:
 * a process killed between writing a file and renaming it leaves one, full size, beside the
 * file its rerun writes again. One whose process still runs (a second run writing meanwhile)
 * is left alone. Each removal is logged. */
void pb_file_sweep(const char *dir);

/* Rebuilds the web archive of one subscriber from the digests on disk: with base the sink's
 * directory and sub the subscriber's directory name (already a safe path component), reads
 * every base/DATE/sub/digest.html and writes base/sub/index.html (the newest
 * PB_ARCHIVE_INDEX_MAX, newest first), base/sub/DATE.html (a copy of each digest.html: the
 * one of date rewritten, the others written when missing) and base/sub/feed.atom (an Atom
 * feed of the newest PB_ARCHIVE_FEED_MAX). date is the digest just written, or the day whose
 * digest was just removed (its page goes); mode is the files'
 * and the folder's (pb_file_mode). Returns 0, or -1 with r filled as a transient failure. */
int pb_archive_update(const char *base, const char *sub, const char *date, int mode,
		      struct pb_result *r);

#endif

/* One paperboy per state directory: an flock(2)'d file holding the owner's pid. */
#ifndef PAPERBOY_LOCK_H
#define PAPERBOY_LOCK_H

#include <stddef.h>

struct pb_lock;   /* opaque */

/* Takes STATE_DIR/paperboy.lock (created 0644) without waiting and writes the pid into it.
 * When another process holds it, returns NULL with err = "another paperboy (pid N) holds
 * STATE_DIR/paperboy.lock" and errno EWOULDBLOCK; on other failures NULL with the reason (naming
 * the file) and errno set (EROFS, EACCES, ...: the directory cannot be written). The lock is released by
 * pb_lock_release or when the process exits (even by SIGKILL); the file is left in place. */
struct pb_lock *pb_lock_acquire(const char *state_dir, char *err, size_t errlen);
void pb_lock_release(struct pb_lock *l);   /* accepts NULL */
/* The pid of the process holding STATE_DIR/paperboy.lock, 0 when nobody holds it (or the
 * file does not exist), -1 when it cannot be checked. Takes no lock that outlives the call. */
long pb_lock_holder(const char *state_dir);

#endif

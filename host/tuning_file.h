/*
 * A context's tuning: the entries of the tuning file read for its device, behind a lock, because
 * plans are created on any thread while clpool_context_set_tuning_file may replace them. Filled
 * from CLPOOL_TUNE_FILE when the context is created (best effort: any problem leaves it empty)
 * or by clpool_context_set_tuning_file; empty means every plan uses the built-in rule.
 */
#ifndef CLPOOL_HOST_TUNING_FILE_H
#define CLPOOL_HOST_TUNING_FILE_H

#include "clpool/clpool.h"
#include "tuning.h"

#include <pthread.h>

typedef struct clpool_tuning_state {
    pthread_mutex_t lock;
    clpool_tuning_table table;
} clpool_tuning_state;

/* An empty state. Returns 0 or pthread_mutex_init's error. */
int clpool_tuning_state_init(clpool_tuning_state *state);
void clpool_tuning_state_destroy(clpool_tuning_state *state);

/* Reads the file CLPOOL_TUNE_FILE names, when it is set, for device; any problem leaves the
 * state as it was. */
void clpool_tuning_state_from_environment(clpool_tuning_state *state, cl_device_id device);

/* The tuned local size for key (clpool_tuning_lookup under the lock), or 0. */
size_t clpool_tuning_state_lookup(clpool_tuning_state *state, const clpool_tuning_key *key);

#endif

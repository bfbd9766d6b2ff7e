/*
 * action.c - names of actions, as used in reports and configuration.
 */
#include "mamori/mamori.h"

#include <string.h>

static const char *const names[MAMORI_ACTION_COUNT] = {
	[MAMORI_ACTION_ACCEPT] = "accept",
	[MAMORI_ACTION_ADD_HEADER] = "add_header",
	[MAMORI_ACTION_TEMPFAIL] = "tempfail",
	[MAMORI_ACTION_HOLD] = "hold",
	[MAMORI_ACTION_QUARANTINE] = "quarantine",
	[MAMORI_ACTION_REJECT] = "reject",
};

const char *
mamori_action_name(enum mamori_action a)
{
	return (unsigned)a < MAMORI_ACTION_COUNT ? names[a] : "tempfail";
}

bool
mamori_action_parse(const char *name, enum mamori_action *out)
{
	for (int i = 0; i < MAMORI_ACTION_COUNT; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = (enum mamori_action)i;
			return true;
		}
	}
	return false;
}

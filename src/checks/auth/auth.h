/*
 * auth.h - the configuration of the authentication module (section auth),
 * for the front ends that act on its results.
 */
#ifndef MAMORI_CHECKS_AUTH_H
#define MAMORI_CHECKS_AUTH_H

#include <glib.h>

struct mamori_auth_conf {
	char *authserv_id;	/* our name in Authentication-Results */
	GPtrArray *trusted_arc_sealers;	/* char *, lower case domains */
};

#endif

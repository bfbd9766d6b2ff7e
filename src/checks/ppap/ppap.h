/*
 * ppap.h - the configuration of the PPAP module (section ppap,
 * docs/ppap.md), for the front ends that hold and release messages.
 */
#ifndef MAMORI_CHECKS_PPAP_H
#define MAMORI_CHECKS_PPAP_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

enum ppap_expire {
	PPAP_EXPIRE_STRIP,	/* deliver without the encrypted parts, with a notice */
	PPAP_EXPIRE_QUARANTINE,	/* quarantine the held message */
	PPAP_EXPIRE_DELIVER,	/* deliver as is, Subject tagged */
};
#define PPAP_PASSWORD_MAX 128	/* bytes; = PW_LEN_MAX of objects/password.h */
struct mamori_ppap_conf {
	bool enabled;		/* look for passwords and decrypt */
	GPtrArray *passwords;	/* static candidates, tried after the body's */
	GPtrArray *dictionary;	/* common passwords, tried last */
	uint32_t max_candidates;	/* taken from one message's text */
	uint32_t max_attempts;	/* trials per message */
	uint32_t time_ms;	/* time for trials per message */
	int undecryptable;	/* action (enum mamori_action); hold waits */
	int unscannable;	/* decrypted, but a limit stopped the scan */
	int clean;		/* decrypted (forced action; accept = none) */
	uint32_t window_s;	/* how long a held message waits */
	int expire;		/* enum ppap_expire */
	bool notice;		/* X-Mamori-PPAP header on delivered mail */
	char *expire_tag;	/* Subject prefix of PPAP_EXPIRE_DELIVER/STRIP */
	bool report_passwords;	/* the report shows the password in clear */
	char *sevenzip;		/* 7zz for encrypted 7z; NULL = off ("") */
};

/* The ppap section of a configuration. */
#define ppap_conf(cfg) ((const struct mamori_ppap_conf *)mamori_config_section(cfg, "ppap"))

#endif

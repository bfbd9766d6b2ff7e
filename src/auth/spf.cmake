# src/auth: SPF (RFC 7208) evaluation over the resolver.
mamori_layer(mamori_spf SOURCES src/auth/spf.c DEPS mamori_dns PkgConfig::GLIB)

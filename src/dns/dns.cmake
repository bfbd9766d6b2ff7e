# src/dns: the resolver (dns.h) on c-ares.
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
mamori_layer(mamori_dns SOURCES src/dns/dns.c DEPS PkgConfig::CARES PkgConfig::GLIB)

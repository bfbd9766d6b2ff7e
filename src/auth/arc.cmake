# src/auth/arc.cmake - the ARC chain validator layer (RFC 8617 5.2), built
# on the DKIM verifier; no DNS: keys come from the dkim_key_fetch callback.
mamori_layer(mamori_arc
  SOURCES src/auth/arc.c
  DEPS mamori_dkim PkgConfig::GLIB PkgConfig::OPENSSL)

#!/bin/sh
# The frontend container's command: render the page's nginx configuration from
# the environment, then run nginx in the foreground as the only process.
set -eu

: "${PAGE:?PAGE must be ppl-gen or goods-gen}"
case "$PAGE" in
    ppl-gen) default_backend="ppl-gen-backend-service-lee-2:8000" ;;
    goods-gen) default_backend="goods-gen-backend-service-lee-2:8001" ;;
    *) echo "unknown PAGE: $PAGE" >&2; exit 64 ;;
esac
export PAGE
export BACKEND_ADDR="${BACKEND_ADDR:-$default_backend}"
export LISTEN_PORT="${LISTEN_PORT:-8080}"
export STATIC_ROOT="${STATIC_ROOT:-/usr/share/nginx/html}"
export NGINX_TMP="${NGINX_TMP:-/tmp/nginx}"
export NGINX_CONF_DIR="${NGINX_CONF_DIR:-/etc/nginx/page}"
export NGINX_MIME_TYPES="${NGINX_MIME_TYPES:-/etc/nginx/mime.types}"
# Drop a client whose upload has sent nothing for this long (nginx time syntax).
export CLIENT_BODY_TIMEOUT="${CLIENT_BODY_TIMEOUT:-30s}"

mkdir -p "$NGINX_TMP"
vars='${PAGE} ${BACKEND_ADDR} ${LISTEN_PORT} ${STATIC_ROOT} ${NGINX_TMP} ${NGINX_CONF_DIR} ${NGINX_MIME_TYPES} ${CLIENT_BODY_TIMEOUT}'
envsubst "$vars" < "$NGINX_CONF_DIR/page.conf.template" > "$NGINX_TMP/nginx.conf"
exec nginx -c "$NGINX_TMP/nginx.conf" -g 'daemon off;'

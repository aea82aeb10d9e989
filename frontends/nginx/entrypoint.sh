#!/bin/sh
# The frontend container's command: render the page's nginx configuration from
# the environment, then run nginx in the foreground as the only process.
set -eu

: "${PAGE:?PAGE must be ppl-gen or goods-gen}"
case "$PAGE" in
    ppl-gen) default_backend="ppl-gen-backend-service-lee-2:8000"; sibling="goods-gen" ;;
    goods-gen) default_backend="goods-gen-backend-service-lee-2:8001"; sibling="ppl-gen" ;;
    *) echo "unknown PAGE: $PAGE" >&2; exit 64 ;;
esac
export PAGE
# The other generator's path (the pages' header tab and footer link). Behind the ingress it
# never reaches this nginx (the ingress routes it to the other page's nginx). Where this nginx
# is reached directly, SIBLING_PAGE_URL (absolute http(s) URL of the other page) makes the
# path redirect there; without it the path answers the Korean not-found page.
export SIBLING="$sibling"
if [ -n "${SIBLING_PAGE_URL:-}" ]; then
    case "$SIBLING_PAGE_URL" in
        http://?*/* | https://?*/*) ;;
        *) echo "SIBLING_PAGE_URL must be an absolute http(s) URL with a path: $SIBLING_PAGE_URL" >&2; exit 64 ;;
    esac
    case "$SIBLING_PAGE_URL" in
        *[!A-Za-z0-9._~:/?@=\&%+,-]*) echo "SIBLING_PAGE_URL has a character nginx must not see: $SIBLING_PAGE_URL" >&2; exit 64 ;;
    esac
    export SIBLING_ACTION="return 302 $SIBLING_PAGE_URL;"
else
    export SIBLING_ACTION="return 404;"
fi
export BACKEND_ADDR="${BACKEND_ADDR:-$default_backend}"
export LISTEN_PORT="${LISTEN_PORT:-8080}"
export STATIC_ROOT="${STATIC_ROOT:-/usr/share/nginx/html}"
export NGINX_TMP="${NGINX_TMP:-/tmp/nginx}"
export NGINX_CONF_DIR="${NGINX_CONF_DIR:-/etc/nginx/page}"
export NGINX_MIME_TYPES="${NGINX_MIME_TYPES:-/etc/nginx/mime.types}"
# Drop a client whose upload has sent nothing for this long (nginx time syntax).
export CLIENT_BODY_TIMEOUT="${CLIENT_BODY_TIMEOUT:-30s}"

mkdir -p "$NGINX_TMP"
vars='${PAGE} ${SIBLING} ${SIBLING_ACTION} ${BACKEND_ADDR} ${LISTEN_PORT} ${STATIC_ROOT} ${NGINX_TMP} ${NGINX_CONF_DIR} ${NGINX_MIME_TYPES} ${CLIENT_BODY_TIMEOUT}'
envsubst "$vars" < "$NGINX_CONF_DIR/page.conf.template" > "$NGINX_TMP/nginx.conf"
exec nginx -c "$NGINX_TMP/nginx.conf" -g 'daemon off;'

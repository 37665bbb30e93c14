#!/bin/sh
# The container's entry point: runs psen_processing with the container's arguments, given
#   the way of this image:          docker run IMAGE tcp://CAMERA:9000 PREFIX --auto_start
#   the way of psen_processing 1.x: docker run IMAGE psen_processing tcp://CAMERA:9000 PREFIX ...
# A first argument naming another command of the image runs that command instead
# (docker run -it IMAGE /bin/bash, docker run IMAGE psen_processing_camera --port 9999).
set -e
if [ "$#" -gt 0 ]; then
    case "$1" in
        psen_processing)
            shift
            ;;
        -*)
            ;;
        *)
            if command -v -- "$1" >/dev/null 2>&1; then
                exec "$@"
            fi
            ;;
    esac
fi
exec psen_processing "$@"

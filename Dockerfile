# psen_processing as a container: installs the package from this source tree.
#   docker build -t psen_processing .
#   docker run --rm -p 8888:8888 -p 11000:11000 -v psen-settings:/var/lib/psen_processing \
#       psen_processing tcp://CAMERA-HOST:9000 SLAAR21-LCAM-C561 --auto_start
# or as the units of psen_processing 1.x run it (the command's name first):
#   docker run --rm --net=host psen_processing psen_processing tcp://CAMERA-HOST:9000 PREFIX ...
# Without arguments it runs the built-in simulated camera (--simulate; live page on port 11000).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && rm -rf /build

# the entry point takes this image's arguments (tcp://... PREFIX ...) and those of 1.x's
# (psen_processing tcp://... PREFIX ...), and runs another command of the image as itself
COPY docker/entrypoint.sh /usr/local/bin/psen_processing_entrypoint

RUN chmod 755 /usr/local/bin/psen_processing_entrypoint \
    && useradd --system --uid 10001 --user-group --create-home \
        --home-dir /var/lib/psen_processing psen
USER psen
WORKDIR /var/lib/psen_processing
# ROIs and edge settings are saved under $XDG_CONFIG_HOME/psen_processing/PREFIX.json
ENV XDG_CONFIG_HOME=/var/lib/psen_processing
VOLUME ["/var/lib/psen_processing"]

# output stream, image output stream (--image_output_port 8889), REST API and live page
EXPOSE 8888 8889 11000
ENTRYPOINT ["psen_processing_entrypoint"]
CMD ["--simulate"]

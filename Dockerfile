# An Epochal worker image (see docker-compose.yml: workers on an s3:// artifact root, sharing no volume).
# The image runs the compiled package, as a user's project would: the build stage packs this checkout
# (`npm pack`: tsc into dist/), the image installs that tarball.
#   docker build -t epochal --build-arg EPOCHAL_BUILD_COMMIT=$(git rev-parse HEAD) .          # CPU: wasm (or tensorflow, see below)
#   docker build -t epochal-gpu --build-arg EXTRA_PACKAGES=@tensorflow/tfjs-node-gpu@4.22.0 .
# The optional tfjs-node downloads libtensorflow when it installs; without Google's download host, run
# `epochal provision tensorflow` in the image instead (builds libtensorflow from PyPI; needs gcc).
# EPOCHAL_BUILD_COMMIT names the commit in the workers' build id (the image has no .git).
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
ARG EPOCHAL_BUILD_COMMIT=""
RUN EPOCHAL_BUILD_COMMIT=${EPOCHAL_BUILD_COMMIT} npm pack --pack-destination /tmp && mv /tmp/epochal-*.tgz /tmp/epochal.tgz

FROM node:24-bookworm-slim
# libvulkan1 lets the webgpu backend (Dawn over Vulkan) reach a GPU the container runtime exposes.
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /tmp/epochal.tgz /tmp/epochal.tgz
ARG EXTRA_PACKAGES=""
RUN echo '{"name":"epochal-worker","private":true,"type":"module"}' > package.json \
  && npm install --no-audit --no-fund /tmp/epochal.tgz ${EXTRA_PACKAGES} && rm /tmp/epochal.tgz
ENV PATH=/app/node_modules/.bin:$PATH EPOCHAL_ARTIFACT_ROOT=/artifacts
ENTRYPOINT ["epochal"]
CMD ["worker"]

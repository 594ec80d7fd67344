# An Epochal worker image (see docker-compose.yml: workers on an s3:// artifact root, sharing no volume). Epochal runs from source through tsx.
#   docker build -t epochal .                                  # CPU: wasm backend
#   docker build -t epochal-cpu --build-arg NPM_CI_FLAGS=--omit=dev .   # also the optional tfjs-node (downloads libtensorflow)
#   docker build -t epochal-gpu --build-arg NPM_CI_FLAGS=--omit=dev --build-arg EXTRA_PACKAGES=@tensorflow/tfjs-node-gpu@4.22.0 .
# Without Google's download host, run `node bin/epochal.js provision tensorflow` in the image instead (builds libtensorflow from PyPI; needs gcc).
FROM node:24-bookworm-slim
# libvulkan1 lets the webgpu backend (Dawn over Vulkan) reach a GPU the container runtime exposes.
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG NPM_CI_FLAGS="--omit=dev --omit=optional"
COPY package.json package-lock.json ./
RUN npm ci ${NPM_CI_FLAGS} --no-audit --no-fund
ARG EXTRA_PACKAGES=""
RUN if [ -n "${EXTRA_PACKAGES}" ]; then npm install --no-save --no-audit --no-fund ${EXTRA_PACKAGES}; fi
COPY . .
ENV EPOCHAL_ARTIFACT_ROOT=/artifacts
ENTRYPOINT ["node", "bin/epochal.js"]
CMD ["worker"]

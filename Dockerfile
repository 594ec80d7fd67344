# An Epochal worker image (see docker-compose.yml). Epochal runs from source through tsx.
#   docker build -t epochal .                                  # CPU: wasm backend
#   docker build -t epochal-gpu --build-arg NPM_CI_FLAGS=--omit=dev .   # also the optional tfjs-node(-gpu) packages
FROM node:20-bookworm-slim
# libvulkan1 lets the webgpu backend (Dawn over Vulkan) reach a GPU the container runtime exposes.
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG NPM_CI_FLAGS="--omit=dev --omit=optional"
COPY package.json package-lock.json ./
RUN npm ci ${NPM_CI_FLAGS} --no-audit --no-fund
COPY . .
ENV EPOCHAL_ARTIFACT_ROOT=/artifacts
ENTRYPOINT ["node", "bin/epochal.js"]
CMD ["worker"]

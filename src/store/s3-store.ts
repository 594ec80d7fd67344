/**
 * The artifact store on S3-compatible object storage (`s3://bucket/prefix`).
 * Credentials, region and endpoint come from the standard AWS variables and
 * profiles (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, `AWS_REGION`,
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`); with a custom endpoint,
 * buckets are addressed by path (what MinIO and versitygw expect) unless
 * `EPOCHAL_S3_PATH_STYLE=0`. Large files go up in parts
 * (`@aws-sdk/lib-storage`), reads can be ranged, and conditional writes use
 * S3's `If-None-Match` / `If-Match`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { StoreAccessError, StoreConflictError } from '../errors.js';
import { checkKey, joinKey, type ArtifactStore, type ByteRange, type StoredObject, type WriteOptions } from './store.js';

/** Files above this go up in parts. */
export const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const PART_SIZE = 8 * 1024 * 1024;

export interface S3Location {
  bucket: string;
  /** The key prefix, without leading or trailing `/` ('' for the bucket's top). */
  prefix: string;
}

/** `s3://bucket/some/prefix` → its bucket and prefix. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1]!)) {
    throw new StoreAccessError(`"${url}" is not an S3 location. Fix: write it as s3://<bucket>/<prefix>, with a bucket name of 3–63 lowercase letters, digits, dots and hyphens.`, url);
  }
  return { bucket: match[1]!, prefix: joinKey(match[2]!) };
}

/** The client the standard AWS variables describe. */
export function s3ClientFromEnvironment(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const config: S3ClientConfig = {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: env.EPOCHAL_S3_PATH_STYLE !== '0' } : {}),
    // Keys given in `env` are used as given; otherwise the SDK's chain finds them (environment, AWS_PROFILE, instance roles).
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
    // Checksums only where S3 requires them: S3-compatible servers differ in what else they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  return new S3Client(config);
}

export class S3Store implements ArtifactStore {
  private readonly location: S3Location;

  constructor(
    readonly root: string,
    private readonly client: S3Client = s3ClientFromEnvironment(),
  ) {
    this.location = parseS3Url(root);
  }

  describe(key: string): string {
    return `s3://${this.location.bucket}/${this.objectKey(key)}`;
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return { key, size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.explain(error, key);
    }
  }

  async read(key: string): Promise<{ body: Buffer; etag: string } | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return { body: Buffer.from(await object.Body!.transformToByteArray()), etag: object.ETag ?? '' };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.explain(error, key);
    }
  }

  async readRange(key: string, range: ByteRange): Promise<Buffer> {
    const body = Buffer.from(await (await this.get(key, range)).transformToByteArray());
    if (body.length !== range.end - range.start) {
      throw new Error(`${this.describe(key)} returned ${body.length} bytes for [${range.start}, ${range.end}): the object is shorter than asked for.`);
    }
    return body;
  }

  async stream(key: string, range?: ByteRange): Promise<Readable> {
    return (await this.get(key, range)) as Readable;
  }

  async write(key: string, body: Buffer | string, options: WriteOptions = {}): Promise<StoredObject> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    return this.put(key, bytes, bytes.length, options);
  }

  async upload(key: string, file: string, options: WriteOptions = {}): Promise<StoredObject> {
    const { size } = await stat(file);
    if (size <= MULTIPART_THRESHOLD) return this.put(key, createReadStream(file), size, options);
    if (options.ifNoneMatch || options.ifMatch !== undefined) {
      throw new Error(`Conditional writes are for small objects (manifests, registries); ${file} is ${size} bytes. Write it plainly and publish it with a manifest.`);
    }
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.location.bucket, Key: this.objectKey(key), Body: createReadStream(file) },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
      });
      const done = await upload.done();
      return { key, size, etag: done.ETag ?? '' };
    } catch (error) {
      throw this.explain(error, key);
    }
  }

  async download(key: string, file: string): Promise<StoredObject> {
    await mkdir(dirname(file), { recursive: true });
    const temporary = join(dirname(file), `.${basename(file)}.part-${randomBytes(4).toString('hex')}`);
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) })).catch((error: unknown) => {
        throw this.explain(error, key);
      });
      await pipeline(object.Body as Readable, createWriteStream(temporary, { flags: 'wx' }));
      const { size } = await stat(temporary);
      if (object.ContentLength !== undefined && size !== object.ContentLength) {
        throw new Error(`Downloading ${this.describe(key)} gave ${size} of its ${object.ContentLength} bytes.`);
      }
      await rename(temporary, file);
      return { key, size, etag: object.ETag ?? '' };
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    const base = this.location.prefix === '' ? '' : `${this.location.prefix}/`;
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.location.bucket, Prefix: base + prefix })) {
        for (const object of page.Contents ?? []) {
          yield { key: object.Key!.slice(base.length), size: object.Size ?? 0, etag: object.ETag ?? '' };
        }
      }
    } catch (error) {
      throw this.explain(error, prefix);
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) })).catch((error: unknown) => {
      if (!isMissing(error)) throw this.explain(error, key);
    });
  }

  private async put(key: string, body: Buffer | Readable, size: number, options: WriteOptions): Promise<StoredObject> {
    try {
      const put = await this.client.send(
        new PutObjectCommand({
          Bucket: this.location.bucket,
          Key: this.objectKey(key),
          Body: body,
          ContentLength: size,
          ...(options.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          ...(options.ifMatch !== undefined ? { IfMatch: options.ifMatch } : {}),
        }),
      );
      return { key, size, etag: put.ETag ?? '' };
    } catch (error) {
      if (isPreconditionFailed(error)) throw new StoreConflictError(this.describe(key), options.ifNoneMatch ? 'ifNoneMatch' : 'ifMatch');
      throw this.explain(error, key);
    }
  }

  private async get(key: string, range?: ByteRange) {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}) }),
      );
      return object.Body!;
    } catch (error) {
      throw this.explain(error, key);
    }
  }

  private objectKey(key: string): string {
    return joinKey(this.location.prefix, checkKey(key));
  }

  /** What a user can fix becomes a non-retryable `StoreAccessError` naming the fix; the rest stays retryable. */
  private explain(error: unknown, key: string): Error {
    if (!(error instanceof S3ServiceException)) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
        return new Error(`The S3 endpoint for ${this.root} is unreachable (${code}); retrying. Check AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL if this persists.`, { cause: error });
      }
      return error instanceof Error ? error : new Error(String(error));
    }
    const where = this.describe(key);
    switch (error.name) {
      case 'NoSuchBucket':
        return new StoreAccessError(`The bucket "${this.location.bucket}" of artifact root ${this.root} does not exist (reading ${where}). Fix: create it, or point artifactRoot at an existing bucket.`, this.root);
      case 'AccessDenied':
      case 'InvalidAccessKeyId':
      case 'SignatureDoesNotMatch':
        return new StoreAccessError(`The S3 server refused ${where} (${error.name}). Fix: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or AWS_PROFILE and the bucket's permissions for this worker.`, this.root);
      case 'NoSuchKey':
      case 'NotFound':
        return new Error(`${where} does not exist.`, { cause: error });
      default:
        return error;
    }
  }
}

function isMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NotFound' || error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);
}

function isPreconditionFailed(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 412 || error.name === 'PreconditionFailed' || error.name === 'ConditionalRequestConflict');
}

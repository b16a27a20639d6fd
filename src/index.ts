// Runtime-neutral API. Runtime entries (node.ts, browser.ts, worker.ts, deno.ts, bun.ts)
// re-export this and add init(), which loads the .wasm the way that runtime can.

export { Core, setDefaultCore, getDefaultCore, loadDefaultCore, EXPECTED_ABI } from "./wasm/core.js";
export { MetadataCache } from "./cache.js";
export type { MetadataCacheOptions, SetOptions, CacheStats, DisposeReason } from "./cache.js";
export { parseDigest, formatDigest, isDigest, validateDigest, MAX_DIGEST_LENGTH } from "./digest.js";
export { releaseDigest, releaseDigests, digestRefCount } from "./digest.js";
export type { DigestHandle, DigestLike } from "./digest.js";
export {
  LayerlensError,
  InvalidDigestError,
  DigestMismatchError,
  NotFoundError,
  CapacityError,
  CoreError,
  CycleError,
  UnsafePathError,
} from "./errors.js";
export { createInit } from "./wasm/init.js";
export type { InitOptions } from "./wasm/init.js";
export {
  LayerPool,
  LayerCursor,
  LayerColumns,
  LAYER_MEDIA_TYPES,
  LAYER_GZIP,
  LAYER_ZSTD,
  LAYER_NONDISTRIBUTABLE,
  LAYER_FOREIGN,
} from "./pool.js";
export { LayerBatch } from "./pool-batch.js";
export type { LayerPoolOptions, PoolStats, LayerHandle } from "./pool.js";
export { LayerGraph, IdGraph, findCycle, topoOrder, internDigests } from "./graph.js";
export type { EdgeKind, SharedLayer, LayerGraphOptions } from "./graph.js";
export { StaleHandleError, FreedError, InvariantError } from "./errors.js";
// ---- images: OCI model, readers, verification ----
export { InvalidManifestError, SizeMismatchError, ArchiveError, InvalidReferenceError, UsageError } from "./errors.js";
export {
  OCI_INDEX,
  OCI_MANIFEST,
  OCI_CONFIG,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_ZSTD,
  OCI_EMPTY,
  EMPTY_DIGEST,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST,
  DOCKER_CONFIG,
  DOCKER_LAYER,
  DOCKER_LAYER_GZIP,
  DOCKER_FOREIGN_LAYER,
  MANIFEST_ACCEPT,
  isIndex,
  isImageManifest,
  isImageConfig,
  isLayer,
  isForeignLayer,
  layerCompression,
  sniffCompression,
  compressionOfMediaType,
} from "./oci/media-types.js";
export type { Compression } from "./oci/media-types.js";
export type { Descriptor, Platform, ImageManifest, ImageIndex, ImageConfig, History } from "./oci/types.js";
export { validateDescriptor, validateManifest, validateIndex, validateConfig } from "./oci/validate.js";
export { parseReference, formatReference } from "./oci/reference.js";
export type { Reference } from "./oci/reference.js";
export { parsePlatform, formatPlatform, normalizePlatform, platformMatches, selectPlatform } from "./oci/platform.js";
export type { ImageSource, ByteRange } from "./sources/source.js";
export { layerOf, layersOf } from "./oci/layer.js";
export type { Layer, LayerLike, LayerBytes, OpenBlob } from "./oci/layer.js";
export { resolveImage, resolveReferrers, readDocument } from "./sources/image.js";
export type { ResolvedImage, ResolveOptions, ReferrerNode } from "./sources/image.js";
export { documentCache, createDocumentCache } from "./sources/document-cache.js";
export { buildReport, repoTagsOf, toReferrerReport } from "./report/inspect.js";
export type { InspectReport, InspectOptions, LayerReport, HistoryReport, ReferrerReport } from "./report/inspect.js";
export { layersReport } from "./report/layers.js";
export type { LayersReport } from "./report/layers.js";
export { startStats, withStats, bottleneckOf, StatsRecorder, WORK_PHASES } from "./report/stats.js";
export type { Stats, PhaseStats, CacheFigures, PoolFigures, ProcessFigures, Bottleneck, WorkPhase } from "./report/stats.js";
export { readVerified, openVerified, MANIFEST_MAX_BYTES } from "./sources/verify.js";
export { verifyingStream } from "./oci/blob.js";
export { LayoutSource, REF_NAME } from "./sources/layout.js";
export { openOciArchive } from "./sources/archive.js";
export { DockerArchiveSource } from "./sources/docker-archive.js";
export { openFileList, openBlobArchive, openArchive } from "./sources/open-web.js";
export { fileListStore, memoryStore } from "./sources/file-store.js";
export type { FileStore } from "./sources/file-store.js";
export { blobReader, bytesReader } from "./sources/byte-reader.js";
export type { ByteReader } from "./sources/byte-reader.js";
export { createSha256, setSha256Factory, sha256Of, createHasher } from "./hash/hasher.js";
export { coreSha256, coreSha256Factory } from "./hash/sha256-core.js";
export { streamingSha256 } from "./hash/sha256.js";
export type { Sha256, Sha256Factory, Hasher, HasherFactory, HashAlgorithm } from "./hash/hasher.js";
export { DIGEST_ALGORITHMS, digestProblem, parseDigestString } from "./oci/digest.js";
export type { DigestAlgorithm, DigestProblem, ParsedDigest } from "./oci/digest.js";
export { BlobCheck, DigestCheck, checkBlob, digestOf } from "./oci/blob.js";
export type { BlobExpectation, Described } from "./oci/blob.js";
export { buildSampleImage } from "./sample.js";
export { writeTar, tarEntry, TAR_END } from "./fs/tar-write.js";
export type { TarWriteEntry } from "./fs/tar-write.js";
// ---- registry client ----
export { RegistryError, TimeoutError } from "./errors.js";
export type { RegistryDiagnostic } from "./errors.js";
export { RegistryClient, RegistrySource, MANIFEST_ACCEPT_HEADER, MAX_MANIFEST_BYTES, registryOrigin } from "./sources/registry.js";
export type {
  RegistryClientOptions,
  RegistrySourceOptions,
  ManifestResult,
  PingResult,
  ReferrersResult,
  Credentials,
  CredentialSource,
  RetryOptions,
  TimeoutOptions,
} from "./sources/registry.js";
export { createRegistryCache, defaultRegistryCache, tagCacheKey, DEFAULT_TAG_TTL_MS } from "./sources/registry.js";
export type { RegistryCache, RegistryCacheOptions, RegistryCacheValue } from "./sources/registry.js";
export { CachedSource, l2Counters } from "./sources/cached-source.js";
export type { BlobStore, BlobWriter, StoredBlob, L2Counters, CachedSourceOptions } from "./sources/cached-source.js";
export { OpfsBlobStore, DEFAULT_OPFS_MAX_BYTES } from "./sources/stores/opfs-store.js";
export type { OpfsStoreOptions } from "./sources/stores/opfs-store.js";
export { CacheApiBlobStore, DEFAULT_CACHE_API_MAX_BYTES } from "./sources/stores/cache-api-store.js";
export type { CacheApiStoreOptions } from "./sources/stores/cache-api-store.js";
export { platformBlobStore } from "./sources/stores/platform-store.js";
export type { PlatformStoreOptions } from "./sources/stores/platform-store.js";
// ---- layer filesystem ----
export { LayerFS, MergedImage } from "./fs/merge.js";
export type { LayerFSOptions, LayerRecord, MountOptions, Stat } from "./fs/merge.js";
export type { Change, Changeset, BadEntryPolicy } from "./fs/apply.js";
export type { StagedEntry, StagedLayer } from "./fs/stage.js";
export { TarReader } from "./fs/tar.js";
export type { TarHeader, TarHandler, TarEntryType, TarReaderOptions } from "./fs/tar.js";
export { readLayerStream, DEFAULT_MAX_LAYER_BYTES } from "./fs/decompress.js";
export type { LayerReadOptions, LayerReadResult } from "./fs/decompress.js";
export { cleanPath, comparePaths } from "./fs/path.js";
export { classifyWhiteout, WHITEOUT_PREFIX, OPAQUE_MARKER } from "./fs/whiteout.js";
export { analyzeWaste, efficiencyPercent } from "./fs/waste.js";
export { formatEfficiency, formatUserWasted, userWastedRatio, WASTE_TERMS } from "./report/efficiency.js";
export { DIVE_DEFAULT_RULES, evaluateRules, parseSize, parseThreshold, ruleSettings } from "./report/ci-rules.js";
export type { CheckReport, RuleResult, RuleSetting, RuleSettings, RuleStatus } from "./report/ci-rules.js";
export { parseDiveCi, RULE_NAMES } from "./report/dive-ci.js";
export type { CiFileRule, CiFileRules, RuleName } from "./report/dive-ci.js";
export type { WasteReport, PathWaste, LayerWaste, DeadVersion } from "./fs/waste.js";
export { diffImages } from "./fs/diff.js";
export type { DiffEntry, DiffSummary, DiffField } from "./fs/diff.js";
export { exportImage, exportStream } from "./fs/export.js";
export type { ExportStats } from "./fs/export.js";
export { TarFormatError, CompressionError, LayerEntryError } from "./fs/errors.js";
export { TocFormatError } from "./fs/toc/errors.js";
export {
  GzipInflater,
  GzipFormatError,
  CheckpointIndex,
  inflateStream,
  resumeAt,
  gunzipSync,
  checkpointInByte,
  DEFAULT_CHECKPOINT_SPAN,
} from "./fs/inflate.js";
export type { Checkpoint, InflaterOptions, InflateStreamOptions } from "./fs/inflate.js";

// Uploading one local file to S3 so that the upload is complete only when
// every byte is confirmed: a single PUT with Content-MD5 for small files, a
// multipart upload (Content-MD5 per part, each part retried, every returned
// ETag compared with the part's MD5) for large ones. Streams from disk.
#pragma once

#include <cstdint>
#include <string>

#include "backup/s3_client.h"
#include "common/status.h"

namespace hk::backup {

/// Uploads local_path (size bytes) as key. Uses multipart when size > part size.
Status UploadFile(S3Client& s3, const std::string& local_path, uint64_t size, const std::string& key);

/// Aborts the multipart uploads to this endpoint and bucket that an earlier
/// run started and never finished (killed with -9, power loss): every
/// CreateMultipartUpload is remembered in a local file (HIKKOSHI_DIR, default
/// .hikkoshi, under s3-uploads/) before any part is sent, and forgotten once
/// completed or aborted. An upload whose process is still alive is left
/// alone. Best effort: a failed abort is a warning, and stays remembered.
void AbortLeftoverUploads(S3Client& s3);

/// PUTs a small in-memory object with Content-MD5 and checks the ETag.
Status PutObjectBytes(S3Client& s3, const std::string& key, const std::string& data);

}  // namespace hk::backup

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

/// PUTs a small in-memory object with Content-MD5 and checks the ETag.
Status PutObjectBytes(S3Client& s3, const std::string& key, const std::string& data);

}  // namespace hk::backup

#include "backup/s3_upload.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backup/digest.h"
#include "backup/file_io.h"
#include "backup/progress.h"
#include "backup/s3_xml.h"
#include "backup/stop.h"
#include "common/crash_point.h"
#include "common/log.h"

namespace hk::backup {
namespace {

constexpr int kPartAttempts = 4;

// Where unfinished multipart uploads are remembered (one JSON file each).
std::string UploadsDir() {
  const char* d = std::getenv("HIKKOSHI_DIR");
  return std::string(d && *d ? d : ".hikkoshi") + "/s3-uploads";
}

std::string RecordPath(const std::string& upload_id) {
  std::string name;
  for (char ch : upload_id) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return UploadsDir() + "/" + name.substr(0, 200) + ".json";
}

Status Remember(S3Client& s3, const std::string& key, const std::string& upload_id) {
  HK_RETURN_IF_ERROR(MakeDirs(UploadsDir()));
  nlohmann::json j = {{"endpoint", s3.options().endpoint},
                      {"bucket", s3.bucket()},
                      {"key", key},
                      {"upload_id", upload_id},
                      {"pid", static_cast<long>(::getpid())}};
  return WriteFileAtomic(RecordPath(upload_id), j.dump() + "\n");
}

void Forget(const std::string& upload_id) {
  std::error_code ec;
  std::filesystem::remove(RecordPath(upload_id), ec);
}

// AbortMultipartUpload; true when the upload is gone (aborted, or unknown).
bool Abort(S3Client& s3, const std::string& key, const std::string& upload_id, std::string* why) {
  S3Request a;
  a.method = "DELETE";
  a.key = key;
  a.query = {{"uploadId", upload_id}};
  auto r = s3.Send(a, 2);
  if (!r.ok()) {
    if (why) *why = r.error().message;
    return false;
  }
  if (r->ok() || XmlText(r->body, "Code") == "NoSuchUpload") return true;
  if (why) *why = s3.ErrorFor(*r, "AbortMultipartUpload").message;
  return false;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One PUT (whole object or one part) with Content-MD5; OK only when the
// server's ETag equals the MD5 we computed before sending.
Status PutChecked(S3Client& s3, S3Request req, const std::string& md5_raw, const std::string& what,
                  std::string* etag_out) {
  req.method = "PUT";
  req.headers.push_back("Content-MD5: " + Base64(md5_raw));
  req.headers.push_back("Content-Type: application/octet-stream");
  std::string want = ToHex(md5_raw);
  Error last;
  for (int attempt = 1; attempt <= kPartAttempts; ++attempt) {
    auto r = s3.Send(req, 1);
    if (!r.ok()) {
      last = r.TakeError();
      if (last.kind != ErrorKind::kConnection) return last;
    } else if (!r->ok()) {
      last = s3.ErrorFor(*r, "upload of " + what);
      if (last.kind == ErrorKind::kPermission || last.kind == ErrorKind::kBadInput) return last;
    } else {
      std::string got = Unquote(r->headers["etag"]);
      if (got == want) {
        if (etag_out) *etag_out = r->headers["etag"];
        return Status::Ok();
      }
      last = MakeError(ErrorKind::kInternal,
                       "S3 confirmed " + what + " with ETag " + got + " but its MD5 is " + want);
    }
    if (attempt < kPartAttempts) LogWarn("{} failed ({}); retrying", what, last.message);
  }
  return last;
}

Status Multipart(S3Client& s3, const std::string& path, uint64_t size, const std::string& key) {
  uint64_t part = s3.options().part_size;
  S3Request create;
  create.method = "POST";
  create.key = key;
  create.query = {{"uploads", ""}};
  create.headers = {"Content-Type: application/octet-stream"};
  static const std::string kEmpty;
  create.body_mem = &kEmpty;
  HK_ASSIGN_OR_RETURN(auto cr, s3.Send(create));
  if (!cr.ok()) return s3.ErrorFor(cr, "CreateMultipartUpload of " + key);
  std::string upload_id = XmlText(cr.body, "UploadId");
  if (upload_id.empty()) {
    return MakeError(ErrorKind::kInternal, "S3 returned no UploadId for " + key);
  }
  // Remembered before any part is sent, so a run killed from here on leaves
  // a record the next run aborts the upload by.
  HK_RETURN_IF_ERROR(Remember(s3, key, upload_id));
  auto abort = [&] {
    std::string why;
    if (Abort(s3, key, upload_id, &why)) {
      Forget(upload_id);
    } else {
      LogWarn("could not abort the multipart upload {} of {} ({}); the next backup retries",
              upload_id, key, why);
    }
  };

  uint64_t nparts = (size + part - 1) / part;
  std::string xml = "<CompleteMultipartUpload>";
  Digest md5_of_md5s(Digest::Algo::kMd5);
  for (uint64_t i = 0; i < nparts; ++i) {
    if (StopRequested()) {
      abort();
      return InterruptedError();
    }
    uint64_t off = i * part, len = std::min(part, size - off);
    auto md5 = Md5OfRange(path, off, len);
    if (!md5.ok()) {
      abort();
      return md5.TakeError();
    }
    md5_of_md5s.Update(*md5);
    S3Request put;
    put.key = key;
    put.query = {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}};
    put.body_file = path;
    put.body_offset = off;
    put.body_len = len;
    std::string etag;
    Status st = PutChecked(
        s3, put, *md5,
        "part " + std::to_string(i + 1) + "/" + std::to_string(nparts) + " of " + key, &etag);
    if (!st.ok()) {
      abort();
      return st;
    }
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etag) +
           "</ETag></Part>";
    BytesMoved() += len;
    LogDebug("uploaded part {}/{} of {}", i + 1, nparts, key);
    if (i == 0) CrashPoint("part");
  }
  xml += "</CompleteMultipartUpload>";

  S3Request done;
  done.method = "POST";
  done.key = key;
  done.query = {{"uploadId", upload_id}};
  done.headers = {"Content-Type: application/xml"};
  done.body_mem = &xml;
  auto dr = s3.Send(done);
  if (!dr.ok()) {
    abort();
    return dr.TakeError();
  }
  // S3 may answer 200 and still put an <Error> in the body.
  if (!dr->ok() || dr->body.find("<Error>") != std::string::npos) {
    abort();
    return s3.ErrorFor(*dr, "CompleteMultipartUpload of " + key);
  }
  // The multipart ETag is MD5(concatenated part MD5s)-N on S3 and servers
  // that follow it; compare when the server uses that form.
  std::string got = Unquote(XmlText(dr->body, "ETag"));
  std::string want = md5_of_md5s.FinishHex() + "-" + std::to_string(nparts);
  if (got.find('-') != std::string::npos && got != want) {
    return MakeError(ErrorKind::kInternal,
                     "S3 assembled " + key + " with ETag " + got + ", expected " + want);
  }
  Forget(upload_id);
  LogInfo("uploaded {} in {} parts", key, nparts);
  return Status::Ok();
}

}  // namespace

void AbortLeftoverUploads(S3Client& s3) {
  std::error_code ec;
  std::filesystem::directory_iterator it(UploadsDir(), ec);
  if (ec) return;  // none remembered
  for (const auto& entry : it) {
    if (entry.path().extension() != ".json") continue;
    auto text = ReadSmallFile(entry.path().string());
    if (!text.ok()) continue;
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object()) continue;
    std::string endpoint = j.value("endpoint", ""), bucket = j.value("bucket", "");
    std::string key = j.value("key", ""), id = j.value("upload_id", "");
    long pid = j.value("pid", 0L);
    if (endpoint != s3.options().endpoint || bucket != s3.bucket() || id.empty()) continue;
    if (pid > 0 && pid != static_cast<long>(::getpid()) &&
        (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) {
      continue;  // still being uploaded by a live process
    }
    std::string why;
    if (Abort(s3, key, id, &why)) {
      LogInfo("aborted the unfinished multipart upload {} of {} left by an interrupted run", id,
              key);
      Forget(id);
    } else {
      LogWarn(
          "could not abort the unfinished multipart upload {} of {} ({}); kept for the next run",
          id, key, why);
    }
  }
}

Status UploadFile(S3Client& s3, const std::string& local_path, uint64_t size,
                  const std::string& key) {
  if (size > s3.options().part_size) return Multipart(s3, local_path, size, key);
  HK_ASSIGN_OR_RETURN(auto md5, Md5OfRange(local_path, 0, size));
  S3Request put;
  put.key = key;
  put.body_file = local_path;
  put.body_len = size;
  HK_RETURN_IF_ERROR(PutChecked(s3, put, md5, "upload of " + key, nullptr));
  BytesMoved() += size;
  return Status::Ok();
}

Status PutObjectBytes(S3Client& s3, const std::string& key, const std::string& data) {
  Digest md5(Digest::Algo::kMd5);
  md5.Update(data);
  S3Request put;
  put.key = key;
  put.body_mem = &data;
  return PutChecked(s3, put, md5.FinishRaw(), "upload of " + key, nullptr);
}

}  // namespace hk::backup

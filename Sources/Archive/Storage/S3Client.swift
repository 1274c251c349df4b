import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Where the object store is and how to sign for it.
public struct S3Configuration: Sendable, Equatable {
    /// `http(s)://host:port`, path-style addressing (`/bucket/key`): works with AWS, MinIO, Ceph RGW, OpenStack Swift
    /// s3api and the Chinese clouds' S3-compatible stores.
    public var endpoint: String
    public var region: String
    public var bucket: String
    public var accessKey: String
    public var secretKey: String
    /// Key prefix inside the bucket (e.g. `yunying/`), so one bucket can hold several archives.
    public var prefix: String

    public init(endpoint: String, region: String, bucket: String, accessKey: String, secretKey: String, prefix: String = "") {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.region = region
        self.bucket = bucket
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.prefix = prefix
    }
}

public struct S3Error: Error, Sendable, CustomStringConvertible {
    public var status: Int
    /// The S3 error code from the XML body (`NoSuchKey`, `SignatureDoesNotMatch` …) when there is one.
    public var code: String
    public var message: String
    public var description: String { "S3 \(status) \(code): \(message)" }
}

/// A small S3 client: PUT, GET, HEAD and DELETE of whole objects with AWS Signature Version 4 (signed payload
/// hashes, so the store checks every byte it receives), on async-http-client.
public final class S3Client: Sendable {
    public let configuration: S3Configuration
    let http: HTTPClient

    public init(_ configuration: S3Configuration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    /// Uploads a file. `sha256` is its hex SHA-256 (the archive has it from ingest): it signs the payload and is kept
    /// as `x-amz-meta-sha256` so a download can be verified end to end.
    public func put(_ key: String, file: URL, sha256: String) async throws {
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
        var request = try signedRequest("PUT", key, payloadHash: sha256, extraHeaders: ["x-amz-meta-sha256": sha256])
        request.headers.add(name: "Content-Length", value: String(size))
        request.body = .stream(FileChunks(url: file), length: .known(Int64(size)))
        let response = try await http.execute(request, timeout: .minutes(10))
        try await Self.check(response)
    }

    /// Downloads to `destination` (written, flushed and renamed into place only when the checksum matches).
    public func get(_ key: String, to destination: URL) async throws {
        let request = try signedRequest("GET", key, payloadHash: Self.emptyHash)
        let response = try await http.execute(request, timeout: .minutes(10))
        guard response.status == .ok else { return try await Self.check(response) }
        let expected = response.headers.first(name: "x-amz-meta-sha256")
        let partial = destination.deletingLastPathComponent().appendingPathComponent("." + UUID().uuidString + ".part")
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard let handle = fopen(partial.path, "wb") else { throw S3Error(status: 0, code: "local", message: "cannot create \(partial.path)") }
        var hasher = SHA256()
        do {
            for try await chunk in response.body {
                let written = chunk.withUnsafeReadableBytes { raw -> Int in
                    hasher.update(bufferPointer: raw)
                    return fwrite(raw.baseAddress, 1, raw.count, handle)
                }
                guard written == chunk.readableBytes else { throw S3Error(status: 0, code: "local", message: "disk write failed") }
            }
            guard fflush(handle) == 0, fsync(fileno(handle)) == 0 else { throw S3Error(status: 0, code: "local", message: "flush failed") }
            fclose(handle)
        } catch {
            fclose(handle)
            unlink(partial.path)
            throw error
        }
        let actual = Checksum.hex(hasher.finalize())
        // Every object this archive uploads carries its checksum; one without it was not written by us.
        if expected != actual {
            unlink(partial.path)
            throw S3Error(status: 0, code: "ChecksumMismatch", message: "\(key): stored sha256 \(expected ?? "missing"), received \(actual)")
        }
        guard rename(partial.path, destination.path) == 0 else {
            unlink(partial.path)
            throw S3Error(status: 0, code: "local", message: "cannot move \(key) into the cache")
        }
    }

    /// The object's size, or nil when it does not exist.
    public func head(_ key: String) async throws -> Int? {
        let response = try await http.execute(try signedRequest("HEAD", key, payloadHash: Self.emptyHash), timeout: .seconds(30))
        if response.status == .notFound { return nil }
        try await Self.check(response)
        return response.headers.first(name: "Content-Length").flatMap(Int.init)
    }

    public func delete(_ key: String) async throws {
        let response = try await http.execute(try signedRequest("DELETE", key, payloadHash: Self.emptyHash), timeout: .seconds(30))
        if response.status == .notFound { return }
        try await Self.check(response)
    }

    static func check(_ response: HTTPClientResponse) async throws {
        guard !(200..<300).contains(Int(response.status.code)) else { return }
        let body = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
        func element(_ name: String) -> String {
            guard let a = body.range(of: "<\(name)>"), let b = body.range(of: "</\(name)>", range: a.upperBound..<body.endIndex) else { return "" }
            return String(body[a.upperBound..<b.lowerBound])
        }
        throw S3Error(status: Int(response.status.code), code: element("Code"), message: element("Message").isEmpty ? response.status.reasonPhrase : element("Message"))
    }

    static let emptyHash = Checksum.sha256(Data())

    // MARK: Signature Version 4

    func signedRequest(_ method: String, _ key: String, payloadHash: String, extraHeaders: [String: String] = [:], now: Date = Date()) throws
        -> HTTPClientRequest
    {
        let c = configuration
        guard let endpoint = URL(string: c.endpoint), let host = endpoint.host else {
            throw S3Error(status: 0, code: "config", message: "invalid endpoint \(c.endpoint)")
        }
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
        let path = "/" + Self.encode(c.bucket) + "/" + (c.prefix + key).split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }
            .joined(separator: "/")
        let (amzDate, day) = Self.dates(now)
        var headers = extraHeaders
        headers["host"] = hostHeader
        headers["x-amz-content-sha256"] = payloadHash
        headers["x-amz-date"] = amzDate
        let signed = headers.keys.map { $0.lowercased() }.sorted()
        let canonicalHeaders = signed.map { name in "\(name):\(headers.first { $0.key.lowercased() == name }!.value.trimmingCharacters(in: .whitespaces))\n" }.joined()
        let canonical = [method, path, "", canonicalHeaders, signed.joined(separator: ";"), payloadHash].joined(separator: "\n")
        let scope = "\(day)/\(c.region)/s3/aws4_request"
        let toSign = ["AWS4-HMAC-SHA256", amzDate, scope, Checksum.hex(SHA256.hash(data: Data(canonical.utf8)))].joined(separator: "\n")
        var keyData = SymmetricKey(data: Data(("AWS4" + c.secretKey).utf8))
        for part in [day, c.region, "s3", "aws4_request"] {
            keyData = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: keyData)))
        }
        let signature = Checksum.hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: keyData))
        var request = HTTPClientRequest(url: c.endpoint + path)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers where name != "host" { request.headers.add(name: name, value: value) }
        request.headers.add(
            name: "Authorization",
            value: "AWS4-HMAC-SHA256 Credential=\(c.accessKey)/\(scope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)")
        return request
    }


    /// RFC 3986 unreserved characters stay, everything else is percent-encoded (AWS's URI encoding).
    static func encode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) { out.append(c) } else { out += String(format: "%%%02X", byte) }
        }
        return out
    }

    static func dates(_ date: Date) -> (amz: String, day: String) {
        var t = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&t, &parts)
        let day = String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
        return (day + String(format: "T%02d%02d%02dZ", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)), day)
    }
}

/// A file read in 1 MiB chunks, for streaming uploads without holding the object in memory.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let url: URL

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        mutating func next() async throws -> ByteBuffer? {
            guard let handle, let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try handle?.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: try? FileHandle(forReadingFrom: url)) }
}

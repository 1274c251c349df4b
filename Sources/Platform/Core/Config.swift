import Foundation

/// Server configuration. Every key can come from a config file (`KEY=value` lines, `#` comments) and is
/// overridden by an environment variable of the same name. The names are a stable operator contract.
public struct YunyingConfig: Sendable {
    public var dataDir: String
    public var httpHost: String
    public var httpPort: Int
    public var dicomPort: Int
    public var aeTitle: String
    /// `nil` means the SQLite file `yunying.sqlite` in the data directory.
    public var databaseURL: String?
    public var adminPassword: String?
    /// Folder with the web app; `nil` finds `Web/` next to the working directory or the executable.
    public var webDir: String?
    /// Force the Secure cookie flag (set it when Yunying sits behind a TLS-terminating proxy).
    public var secureCookies: Bool
    public var logLevel: String
    /// DICOM peers known without the admin pages: `AE@host:port,AE2@host:port`.
    public var dicomPeers: [DICOMPeer]
    /// Accept associations from calling AE titles that are not known peers.
    public var dicomAcceptAnyAE: Bool
    /// What a second object with an archived SOP Instance UID does: keep-first, replace or reject.
    public var dicomDuplicates: String
    /// Concurrent DICOM associations accepted; more are rejected with "local limit exceeded".
    public var dicomMaxAssociations: Int
    /// DICOM TLS: a second port that speaks TLS, with the server certificate and key (PEM files).
    public var dicomTLSPort: Int?
    public var dicomTLSCertificate: String?
    public var dicomTLSKey: String?
    /// Trust roots (PEM) for peers we call over TLS.
    public var dicomTLSCA: String?
    /// Storage SOP classes to accept beyond the standard ones (vendors' private classes).
    public var dicomPrivateSOPClasses: [String] = []
    /// Routing retries: the first after this many seconds, doubling per attempt (up to an hour), at most this many.
    public var routingRetrySeconds: Int = 30
    public var routingMaxAttempts: Int = 12
    /// S3-compatible object store (all four needed to enable it) and the age after which studies move there.
    public var s3Endpoint: String?
    public var s3Region: String = "us-east-1"
    public var s3Bucket: String?
    public var s3AccessKey: String?
    public var s3SecretKey: String?
    public var s3Prefix: String = ""
    /// A study with no new image for this long is complete (unless MPPS completed it earlier).
    public var studyQuietSeconds: Int = 300
    /// Modalities registered automatically (补登记) when a study matches no exam: `CT,MR`, `*` for all, empty for none.
    public var autoRegister: Set<String> = []
    /// Days between an exam's scheduled date and the study date that still match by patient ID and modality.
    public var matchWindowDays: Int = 1
    /// Evict local copies of studies uploaded to the cloud archive after this many quiet days (nil: keep them).
    public var keepLocalDays: Int?
    /// The most the cache of copies fetched back from the cloud archive may hold (GB).
    public var cacheMaxGB: Int = 20
    /// The hospital's time zone: slot dates and times, exam-number dates (IANA name).
    public var timeZone: String = "Asia/Shanghai"
    /// Days of booking slots made ahead.
    public var slotHorizonDays: Int = 60
    /// The address users reach the server at (`https://pacs.example.cn`); absolute URLs in DICOMweb answers use it
    /// instead of the request's Host header. nil: taken from the request.
    public var publicURL: String?
    /// Lossless compression of uncompressed arrivals per modality, `CT=jpeg-ls,MR=jpeg-ls,*=keep` (empty: keep all).
    public var ingestCompression: String = ""

    public struct DICOMPeer: Sendable, Equatable {
        public var aeTitle: String
        public var host: String
        public var port: Int
    }

    /// Parses `AE@host:port` lists.
    public static func parsePeers(_ text: String) throws -> [DICOMPeer] {
        try text.split(separator: ",").map { raw in
            let item = raw.trimmingCharacters(in: .whitespaces)
            guard let at = item.lastIndex(of: "@"), let colon = item.lastIndex(of: ":"), at < colon,
                let port = Int(item[item.index(after: colon)...]), (1...65535).contains(port)
            else { throw ConfigError.invalid("YUNYING_DICOM_PEERS", item) }
            let ae = String(item[..<at]), host = String(item[item.index(after: at)..<colon])
            guard !ae.isEmpty, ae.count <= 16, !host.isEmpty else { throw ConfigError.invalid("YUNYING_DICOM_PEERS", item) }
            return DICOMPeer(aeTitle: ae, host: host, port: port)
        }
    }

    /// Every key with its default and a one-line description, in the order the docs list them.
    public static let keys: [(name: String, defaultValue: String, description: String)] = [
        ("YUNYING_DATA_DIR", "./data", "Folder for the SQLite database, images and other state"),
        ("YUNYING_HTTP_HOST", "127.0.0.1", "Address the HTTP server binds"),
        ("YUNYING_HTTP_PORT", "8080", "HTTP port (web app, REST API, DICOMweb)"),
        ("YUNYING_DICOM_PORT", "11112", "DICOM port (C-STORE, Q/R, worklist, MPPS, storage commitment)"),
        ("YUNYING_AE_TITLE", "YUNYING", "Our DICOM application entity title"),
        ("YUNYING_DATABASE_URL", "(SQLite file in the data dir)", "`postgres://user:pass@host:port/db` selects PostgreSQL"),
        ("YUNYING_ADMIN_PASSWORD", "(random, printed once)", "Password of the bootstrap administrator `admin` on first start"),
        ("YUNYING_WEB_DIR", "(./Web)", "Folder with the web app's static files"),
        ("YUNYING_SECURE_COOKIES", "false", "Mark session cookies Secure (set true behind HTTPS)"),
        ("YUNYING_LOG_LEVEL", "info", "trace, debug, info, notice, warning, error, critical"),
        ("YUNYING_DICOM_PEERS", "(none)", "Known DICOM peers, `AE@host:port,AE2@host:port`"),
        ("YUNYING_DICOM_ACCEPT_ANY", "true", "Accept associations from unknown calling AE titles (set false in production)"),
        ("YUNYING_DICOM_DUPLICATES", "keep-first", "A second object with an archived SOP Instance UID: keep-first, replace or reject"),
        ("YUNYING_DICOM_MAX_ASSOCIATIONS", "64", "Concurrent DICOM associations; more are rejected (local limit exceeded)"),
        ("YUNYING_DICOM_TLS_PORT", "(off)", "DICOM TLS port (e.g. 2762); needs the certificate and key below"),
        ("YUNYING_DICOM_TLS_CERT", "(none)", "PEM certificate (chain) for DICOM TLS"),
        ("YUNYING_DICOM_TLS_KEY", "(none)", "PEM private key for DICOM TLS"),
        ("YUNYING_DICOM_TLS_CA", "(system roots)", "PEM certificates trusted when we call peers over DICOM TLS"),
        ("YUNYING_DICOM_PRIVATE_SOP_CLASSES", "(none)", "Private storage SOP class UIDs to accept as well, comma-separated"),
        ("YUNYING_ROUTING_RETRY_SECONDS", "30", "First retry of a failed routing send after this many seconds, doubling each time (max 1 h)"),
        ("YUNYING_ROUTING_MAX_ATTEMPTS", "12", "Attempts before a routing send becomes a dead letter (replayable from the outbox page)"),
        ("YUNYING_S3_ENDPOINT", "(off)", "S3-compatible object store, `https://host[:port]` (path-style addressing)"),
        ("YUNYING_S3_REGION", "us-east-1", "Region used in the S3 request signature"),
        ("YUNYING_S3_BUCKET", "(none)", "Bucket for archived objects (must exist)"),
        ("YUNYING_S3_ACCESS_KEY", "(none)", "S3 access key"),
        ("YUNYING_S3_SECRET_KEY", "(none)", "S3 secret key"),
        ("YUNYING_S3_PREFIX", "(none)", "Key prefix inside the bucket, e.g. `yunying/`"),
        ("YUNYING_STUDY_QUIET_SECONDS", "300", "A study is complete when MPPS says so and its series arrived, or after this long without new images"),
        ("YUNYING_INGEST_COMPRESSION", "(keep as received)", "Lossless compression at ingest per modality, e.g. `CT=jpeg-ls,MR=jpeg-ls,CR=j2k,*=keep` (codecs: jpeg-ls, j2k, rle, jpeg-lossless)"),
        ("YUNYING_AUTO_REGISTER", "(none)", "Modalities whose studies without an exam are registered automatically (补登记), e.g. `CT,MR` or `*`"),
        ("YUNYING_MATCH_WINDOW_DAYS", "1", "Days between an exam's scheduled date and the study date that still match by patient ID and modality"),
        ("YUNYING_KEEP_LOCAL_DAYS", "(keep all)", "Remove local copies of studies already in the object store after this many quiet days"),
    ]

    public init(
        dataDir: String = "./data", httpHost: String = "127.0.0.1", httpPort: Int = 8080, dicomPort: Int = 11112,
        aeTitle: String = "YUNYING", databaseURL: String? = nil, adminPassword: String? = nil, webDir: String? = nil,
        secureCookies: Bool = false, logLevel: String = "info", dicomPeers: [DICOMPeer] = [], dicomAcceptAnyAE: Bool = true,
        dicomDuplicates: String = "keep-first", dicomMaxAssociations: Int = 64
    ) {
        self.dicomDuplicates = dicomDuplicates
        self.dicomMaxAssociations = dicomMaxAssociations
        self.dataDir = dataDir
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.dicomPort = dicomPort
        self.aeTitle = aeTitle
        self.databaseURL = databaseURL
        self.adminPassword = adminPassword
        self.webDir = webDir
        self.secureCookies = secureCookies
        self.logLevel = logLevel
        self.dicomPeers = dicomPeers
        self.dicomAcceptAnyAE = dicomAcceptAnyAE
    }

    /// Reads the config file (if given or if `./yunying.conf` exists), then the environment.
    public static func load(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> YunyingConfig
    {
        var values: [String: String] = [:]
        let path = file ?? environment["YUNYING_CONFIG"] ?? (FileManager.default.fileExists(atPath: "yunying.conf") ? "yunying.conf" : nil)
        if let path {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigError.unreadable(path)
            }
            values = try parse(text, source: path)
        }
        for (key, value) in environment where key.hasPrefix("YUNYING_") { values[key] = value }
        return try YunyingConfig(values: values)
    }

    static func parse(_ text: String, source: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { throw ConfigError.syntax(source, number + 1) }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard keys.contains(where: { $0.name == key }) else { throw ConfigError.unknownKey(source, number + 1, key) }
            values[key] = value
        }
        return values
    }

    init(values: [String: String]) throws {
        func int(_ key: String, _ def: Int) throws -> Int {
            guard let s = values[key], !s.isEmpty else { return def }
            guard let v = Int(s), (1...65535).contains(v) else { throw ConfigError.invalid(key, s) }
            return v
        }
        func nonEmpty(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
        self.init(
            dataDir: nonEmpty("YUNYING_DATA_DIR") ?? "./data",
            httpHost: nonEmpty("YUNYING_HTTP_HOST") ?? "127.0.0.1",
            httpPort: try int("YUNYING_HTTP_PORT", 8080),
            dicomPort: try int("YUNYING_DICOM_PORT", 11112),
            aeTitle: nonEmpty("YUNYING_AE_TITLE") ?? "YUNYING",
            databaseURL: nonEmpty("YUNYING_DATABASE_URL"),
            adminPassword: nonEmpty("YUNYING_ADMIN_PASSWORD"),
            webDir: nonEmpty("YUNYING_WEB_DIR"),
            secureCookies: ["1", "true", "yes"].contains(values["YUNYING_SECURE_COOKIES"]?.lowercased() ?? ""),
            logLevel: nonEmpty("YUNYING_LOG_LEVEL") ?? "info",
            dicomPeers: try nonEmpty("YUNYING_DICOM_PEERS").map(Self.parsePeers) ?? [],
            dicomAcceptAnyAE: !["0", "false", "no"].contains(values["YUNYING_DICOM_ACCEPT_ANY"]?.lowercased() ?? ""),
            dicomDuplicates: nonEmpty("YUNYING_DICOM_DUPLICATES") ?? "keep-first",
            dicomMaxAssociations: try int("YUNYING_DICOM_MAX_ASSOCIATIONS", 64))
        dicomTLSPort = nonEmpty("YUNYING_DICOM_TLS_PORT") == nil ? nil : try int("YUNYING_DICOM_TLS_PORT", 2762)
        dicomTLSCertificate = nonEmpty("YUNYING_DICOM_TLS_CERT")
        dicomTLSKey = nonEmpty("YUNYING_DICOM_TLS_KEY")
        dicomTLSCA = nonEmpty("YUNYING_DICOM_TLS_CA")
        s3Endpoint = nonEmpty("YUNYING_S3_ENDPOINT")
        s3Region = nonEmpty("YUNYING_S3_REGION") ?? "us-east-1"
        s3Bucket = nonEmpty("YUNYING_S3_BUCKET")
        s3AccessKey = nonEmpty("YUNYING_S3_ACCESS_KEY")
        s3SecretKey = nonEmpty("YUNYING_S3_SECRET_KEY")
        s3Prefix = nonEmpty("YUNYING_S3_PREFIX") ?? ""
        ingestCompression = nonEmpty("YUNYING_INGEST_COMPRESSION") ?? ""
        studyQuietSeconds = try int("YUNYING_STUDY_QUIET_SECONDS", 300)
        autoRegister = Set((nonEmpty("YUNYING_AUTO_REGISTER") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            .filter { !$0.isEmpty })
        matchWindowDays = try int("YUNYING_MATCH_WINDOW_DAYS", 1)
        keepLocalDays = nonEmpty("YUNYING_KEEP_LOCAL_DAYS") == nil ? nil : try int("YUNYING_KEEP_LOCAL_DAYS", 0)
        timeZone = nonEmpty("YUNYING_TIMEZONE") ?? "Asia/Shanghai"
        guard TimeZone(identifier: timeZone) != nil else { throw ConfigError.invalid("YUNYING_TIMEZONE", timeZone) }
        slotHorizonDays = try int("YUNYING_SLOT_HORIZON_DAYS", 60)
        guard (1...400).contains(slotHorizonDays) else { throw ConfigError.invalid("YUNYING_SLOT_HORIZON_DAYS", "1–400") }
        cacheMaxGB = try int("YUNYING_CACHE_MAX_GB", 20)
        guard cacheMaxGB >= 1 else { throw ConfigError.invalid("YUNYING_CACHE_MAX_GB", "must be at least 1") }
        if let url = nonEmpty("YUNYING_PUBLIC_URL") {
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url)?.host != nil, !url.contains("?") else {
                throw ConfigError.invalid("YUNYING_PUBLIC_URL", url)
            }
            publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if s3Endpoint != nil, s3Bucket == nil || s3AccessKey == nil || s3SecretKey == nil {
            throw ConfigError.invalid("YUNYING_S3_ENDPOINT", "needs YUNYING_S3_BUCKET, YUNYING_S3_ACCESS_KEY and YUNYING_S3_SECRET_KEY")
        }
        if let e = s3Endpoint, !(e.hasPrefix("http://") || e.hasPrefix("https://")) { throw ConfigError.invalid("YUNYING_S3_ENDPOINT", e) }
        routingRetrySeconds = try int("YUNYING_ROUTING_RETRY_SECONDS", 30)
        routingMaxAttempts = try int("YUNYING_ROUTING_MAX_ATTEMPTS", 12)
        guard routingRetrySeconds >= 1, routingMaxAttempts >= 1 else {
            throw ConfigError.invalid("YUNYING_ROUTING_RETRY_SECONDS / YUNYING_ROUTING_MAX_ATTEMPTS", "must be at least 1")
        }
        dicomPrivateSOPClasses = (nonEmpty("YUNYING_DICOM_PRIVATE_SOP_CLASSES") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for uid in dicomPrivateSOPClasses where uid.count > 64 || uid.contains(where: { !$0.isNumber && $0 != "." }) {
            throw ConfigError.invalid("YUNYING_DICOM_PRIVATE_SOP_CLASSES", uid)
        }
        if dicomTLSPort != nil, dicomTLSCertificate == nil || dicomTLSKey == nil {
            throw ConfigError.invalid("YUNYING_DICOM_TLS_PORT", "needs YUNYING_DICOM_TLS_CERT and YUNYING_DICOM_TLS_KEY")
        }
        guard ["keep-first", "replace", "reject"].contains(dicomDuplicates) else {
            throw ConfigError.invalid("YUNYING_DICOM_DUPLICATES", dicomDuplicates)
        }
        guard aeTitle.count <= 16, aeTitle.allSatisfy({ $0.isASCII && $0 != "\\" }) else {
            throw ConfigError.invalid("YUNYING_AE_TITLE", aeTitle)
        }
    }

    public var sqlitePath: String { (dataDir as NSString).appendingPathComponent("yunying.sqlite") }
}

public enum ConfigError: Error, CustomStringConvertible {
    case unreadable(String)
    case syntax(String, Int)
    case unknownKey(String, Int, String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .unreadable(let p): "cannot read config file \(p)"
        case .syntax(let p, let n): "\(p):\(n): expected KEY=value"
        case .unknownKey(let p, let n, let k): "\(p):\(n): unknown key \(k)"
        case .invalid(let k, let v): "invalid value for \(k): \(v)"
        }
    }
}

import DICOM
import DICOMNetwork
import Foundation
import Logging
import NIOSSL
import Platform

/// The archive's services wired together from the configuration: storage, ingest, index queries, known
/// application entities, DIMSE activity, worklist/MPPS, and the DICOM service provider built on them.
public struct ArchiveServices: Sendable {
    public let config: YunyingConfig
    public let storage: TieredStorage
    public let cloud: CloudArchiver
    public let catalog: ArchiveCatalog
    public let completion: StudyCompletion
    public let matcher: ExamMatcher
    public let matchingRules: MatchingRules
    public let events: ArchiveEvents
    public let patients: PatientService
    public let annotations: ViewerAnnotations
    public let presets: ViewerPresets
    public let export: StudyExport
    public let keyImages: KeyImageService
    public let integrity: IntegrityScrubber
    public let conversion: ConversionService
    public var ingest: IngestService
    public let applicationEntities: ApplicationEntityService
    public let activity: DIMSEActivityLog
    public let worklist: WorklistStore
    public let query: ArchiveQueryService
    public let associations: AssociationRegistry
    public let remote: RemoteQueryService
    public let wado: WADOService
    public let stow: STOWService
    public let routingRules: RoutingRules
    public let routing: RoutingDispatcher
    /// Client TLS for peers marked `tls`; nil when it is not configured (or the files are wrong: `prepare` says why).
    public let clientTLS: NIOSSLContext?

    public init(config: YunyingConfig, database: Database, logger: Logger = Logger(label: "yunying.archive")) {
        self.config = config
        let local = LocalFileStorage(root: URL(fileURLWithPath: config.dataDir).appendingPathComponent("archive"))
        storage = TieredStorage(local: local, remote: Self.objectStore(config))
        var cloud = CloudArchiver(database: database, storage: storage, keepLocalDays: config.keepLocalDays, logger: logger)
        cloud.cacheMaxBytes = config.cacheMaxGB << 30
        self.cloud = cloud
        events = ArchiveEvents(database: database, logger: logger)
        ingest = IngestService(database: database, storage: storage, duplicates: DuplicatePolicy(rawValue: config.dicomDuplicates) ?? .keepFirst,
                               logger: logger)
        applicationEntities = ApplicationEntityService(database: database, localAETitle: config.aeTitle)
        activity = DIMSEActivityLog(database: database, logger: logger)
        worklist = WorklistStore(database: database, applicationEntities: applicationEntities)
        query = ArchiveQueryService(database: database, storage: storage, aeTitle: config.aeTitle, applicationEntities: applicationEntities)
        associations = AssociationRegistry()
        clientTLS = try? Self.makeClientTLS(config)
        remote = RemoteQueryService(applicationEntities: applicationEntities, activity: activity, clientTLS: clientTLS, registry: associations)
        routingRules = RoutingRules(database: database, applicationEntities: applicationEntities)
        var clientOptions = DICOMClient.Options()
        clientOptions.tls = clientTLS
        clientOptions.registry = associations
        routing = RoutingDispatcher(database: database, storage: storage, applicationEntities: applicationEntities, activity: activity,
                                    aeTitle: config.aeTitle, options: clientOptions, retryBase: .seconds(config.routingRetrySeconds),
                                    maxAttempts: config.routingMaxAttempts, logger: logger)
        ingest.routing = routingRules
        ingest.compression = (try? CompressionPolicy.parse(config.ingestCompression)) ?? CompressionPolicy()
        let dispatcher = routing
        ingest.onQueued = { dispatcher.poke() }
        ingest.events = events
        catalog = ArchiveCatalog(database: database)
        annotations = ViewerAnnotations(database: database)
        presets = ViewerPresets(database: database)
        integrity = IntegrityScrubber(database: database, storage: storage, logger: logger)
        patients = PatientService(database: database, storage: storage, logger: logger)
        matchingRules = MatchingRules(database: database)
        var matcher = ExamMatcher(database: database, autoRegister: config.autoRegister, windowDays: config.matchWindowDays, logger: logger)
        matcher.rules = matchingRules
        matcher.events = events
        self.matcher = matcher
        var completion = StudyCompletion(database: database, catalog: catalog, quiet: .seconds(config.studyQuietSeconds), logger: logger)
        completion.events = events
        self.completion = completion
        wado = WADOService(database: database, storage: storage)
        export = StudyExport(wado: wado)
        stow = STOWService(ingest: ingest)
        conversion = ConversionService(ingest: ingest)
        keyImages = KeyImageService(ingest: ingest)
    }

    /// Every DICOM service backed by the archive.
    public func serviceProvider(logger: Logger) -> DIMSEServiceProvider {
        var provider = DIMSEServiceProvider(aeTitle: config.aeTitle, logger: logger)
        provider.storage = ArchiveStorageSCP(ingest: ingest, applicationEntities: applicationEntities)
        let qr = PermittedQueryRetrieve(archive: query, applicationEntities: applicationEntities)
        provider.query = qr
        provider.retrieve = qr
        provider.worklist = worklist
        provider.mpps = worklist
        provider.commitment = ArchiveCommitment(database: ingest.database, storage: storage)
        provider.activity = activity
        provider.clientTLS = clientTLS
        provider.registry = associations
        return provider
    }

    /// Who may associate and with what: every standard storage SOP class and the configured private ones, the services above, known AEs from the
    /// database and the configuration.
    public func acceptorPolicy() -> AcceptorPolicy {
        var policy = AcceptorPolicy(aeTitle: config.aeTitle, acceptAnyCallingAE: config.dicomAcceptAnyAE,
                                    knownCallingAETitles: Set(config.dicomPeers.map(\.aeTitle)),
                                    storageSOPClasses: UIDDictionary.storageSOPClasses.union(config.dicomPrivateSOPClasses))
        let entities = applicationEntities
        policy.isKnownCallingAE = { entities.isKnown($0) }
        return policy
    }

    static func objectStore(_ config: YunyingConfig) -> S3Client? {
        guard let endpoint = config.s3Endpoint, let bucket = config.s3Bucket, let access = config.s3AccessKey, let secret = config.s3SecretKey
        else { return nil }
        return S3Client(S3Configuration(endpoint: endpoint, region: config.s3Region, bucket: bucket, accessKey: access, secretKey: secret,
                                        prefix: config.s3Prefix))
    }

    /// Client TLS from `YUNYING_DICOM_TLS_CA` (trust roots) and, for mutual TLS, our certificate and key.
    static func makeClientTLS(_ config: YunyingConfig) throws -> NIOSSLContext? {
        guard config.dicomTLSCA != nil || config.dicomTLSCertificate != nil else { return nil }
        return try DICOMClient.tlsContext(caFile: config.dicomTLSCA, certificateFile: config.dicomTLSCertificate, keyFile: config.dicomTLSKey)
    }

    /// Start-up: file the configured peers, load the AE cache, drop half-received files from before a crash.
    public func prepare() async throws {
        _ = try CompressionPolicy.parse(config.ingestCompression)  // a typo in the policy stops the start with the reason
        _ = try Self.makeClientTLS(config)  // a wrong TLS file stops the start with the reason
        try await applicationEntities.seed(config.dicomPeers)
        try await routingRules.reload()
        try storage.prepareLayout()
        storage.sweepIncoming()
    }
}

import DICOM
import DICOMNetwork
import Foundation
import NIOSSL
import Platform

/// Talking to a known remote AE as SCU: the C-ECHO test of the admin page, and "query remote PACS" (VIEW-01): C-FIND
/// at study level against a known AE, and C-MOVE of a study or series from
/// it to us, so the images land in our archive and open in the viewer.
public struct RemoteQueryService: Sendable {
    let applicationEntities: ApplicationEntityService
    let activity: DIMSEActivityLog
    let clientTLS: NIOSSLContext?

    public init(applicationEntities: ApplicationEntityService, activity: DIMSEActivityLog, clientTLS: NIOSSLContext? = nil,
                registry: AssociationRegistry? = nil) {
        self.applicationEntities = applicationEntities
        self.activity = activity
        self.clientTLS = clientTLS
        self.registry = registry
    }

    /// Where our outbound associations are listed for the administrators.
    let registry: AssociationRegistry?

    func options(responseTimeout: Duration = .seconds(60)) -> DICOMClient.Options {
        var options = DICOMClient.Options()
        options.responseTimeout = responseTimeout
        options.tls = clientTLS
        options.registry = registry
        return options
    }

    public struct StudyQuery: Sendable, Codable, Equatable {
        public var patientName: String?
        public var patientId: String?
        public var accessionNumber: String?
        /// `YYYYMMDD` or a range `YYYYMMDD-YYYYMMDD`.
        public var studyDate: String?
        public var modality: String?
        public init(patientName: String? = nil, patientId: String? = nil, accessionNumber: String? = nil, studyDate: String? = nil,
                    modality: String? = nil) {
            self.patientName = patientName
            self.patientId = patientId
            self.accessionNumber = accessionNumber
            self.studyDate = studyDate
            self.modality = modality
        }
    }

    public struct RemoteStudy: Sendable, Codable, Equatable {
        public var studyInstanceUID: String
        public var patientName: String
        public var patientId: String
        public var studyDate: String
        public var accessionNumber: String
        public var modalities: [String]
        public var description: String
        public var numberOfInstances: Int?
    }

    public struct RetrieveRequest: Sendable, Codable, Equatable {
        public var studyInstanceUID: String?
        public var seriesInstanceUID: String?
    }

    public struct RetrieveOutcome: Sendable, Codable, Equatable {
        public var ok: Bool
        public var status: Int
        public var completed: Int
        public var failed: Int
        public var warning: Int
        public var message: String
        public var messageEn: String
    }

    func peer(_ id: Int) async throws -> RemoteAE {
        let entry = try await applicationEntities.get(id)
        guard entry.active else { throw DomainError.conflict("inactive", "该节点已停用", "This node is disabled") }
        return RemoteAE(aeTitle: entry.aeTitle, host: entry.host, port: entry.port, tls: entry.tls)
    }

    func validate(_ q: StudyQuery) throws {
        var v = Validator()
        if let d = q.studyDate, !d.isEmpty, d.range(of: #"^\d{8}(-\d{8})?$|^-\d{8}$|^\d{8}-$"#, options: .regularExpression) == nil {
            v.add("studyDate", "invalid", "检查日期格式应为 YYYYMMDD 或 YYYYMMDD-YYYYMMDD", "Study date must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD")
        }
        let given = [q.patientName, q.patientId, q.accessionNumber, q.studyDate].compactMap { $0?.trimmingCharacters(in: .whitespaces) }
        if given.allSatisfy({ $0.isEmpty || $0 == "*" }) {
            v.add("patientName", "required", "请至少填写姓名、患者 ID、检查号或检查日期之一", "Give a name, patient ID, accession number or study date")
        }
        try v.check()
    }

    public func findStudies(on id: Int, _ q: StudyQuery) async throws -> [RemoteStudy] {
        try validate(q)
        let peer = try await peer(id)
        var identifier = DataSet()
        identifier.characterSet = .utf8
        identifier.set(.specificCharacterSet, .CS, string: "ISO_IR 192")
        identifier.set(QueryMatcher.queryRetrieveLevel, .CS, string: "STUDY")
        identifier.set(.patientName, .PN, string: q.patientName?.trimmingCharacters(in: .whitespaces) ?? "")
        identifier.set(.patientID, .LO, string: q.patientId?.trimmingCharacters(in: .whitespaces) ?? "")
        identifier.set(.accessionNumber, .SH, string: q.accessionNumber?.trimmingCharacters(in: .whitespaces) ?? "")
        identifier.set(.studyDate, .DA, string: q.studyDate ?? "")
        identifier.set(Tag(0x0008, 0x0061), .CS, string: q.modality?.uppercased() ?? "")
        identifier.set(.studyInstanceUID, .UI, string: "")
        identifier.set(Tag(0x0008, 0x1030), .LO, string: "")
        identifier.set(Tag(0x0020, 0x1208), .IS, string: "")
        let query = identifier
        let contexts = [PresentationContextRQ(id: 1, abstractSyntax: SOPClass.studyRootFind, transferSyntaxes: AcceptorPolicy.nativeSyntaxes)]
        let info = AssociationInfo(callingAETitle: applicationEntities.localAETitle, calledAETitle: peer.aeTitle, peerHost: peer.host)
        do {
            let (matches, status) = try await DICOMClient.withAssociation(to: peer, callingAETitle: applicationEntities.localAETitle,
                                                                          contexts: contexts, options: options()) { association in
                try await association.find(sopClass: SOPClass.studyRootFind, identifier: query)
            }
            await activity.record(DIMSEActivity(association: info, direction: "out", operation: "C-FIND", sopClassUID: SOPClass.studyRootFind,
                                                status: status, detail: "\(matches.count) matches"))
            guard DIMSEStatus.kind(status) == .success else { throw DIMSEError.status(status, "query failed") }
            return matches.map { m in
                func s(_ tag: Tag) -> String { (m.string(tag) ?? "").trimmingCharacters(in: .whitespaces) }
                return RemoteStudy(
                    studyInstanceUID: s(.studyInstanceUID), patientName: s(.patientName), patientId: s(.patientID), studyDate: s(.studyDate),
                    accessionNumber: s(.accessionNumber), modalities: m.strings(Tag(0x0008, 0x0061)) ?? [], description: s(Tag(0x0008, 0x1030)),
                    numberOfInstances: Int(s(Tag(0x0020, 0x1208))))
            }
        } catch let error as DIMSEError {
            await activity.record(DIMSEActivity(association: info, direction: "out", operation: "C-FIND", sopClassUID: SOPClass.studyRootFind,
                                                status: DIMSEStatus.processingFailure, detail: error.description))
            throw DomainError(status: 502, code: "dicom_peer_error", zh: error.chineseText, en: error.description)
        }
    }

    /// C-MOVE from the peer to our own AE title (the peer must know our address).
    public func retrieve(from id: Int, _ request: RetrieveRequest) async throws -> RetrieveOutcome {
        guard let study = request.studyInstanceUID?.trimmingCharacters(in: .whitespaces), !study.isEmpty else {
            throw DomainError.validation([FieldError(field: "studyInstanceUID", code: "required", zh: "请指定要获取的检查", en: "Choose a study")])
        }
        let peer = try await peer(id)
        var identifier = DataSet()
        identifier.set(.studyInstanceUID, .UI, string: study)
        if let series = request.seriesInstanceUID, !series.isEmpty {
            identifier.set(QueryMatcher.queryRetrieveLevel, .CS, string: "SERIES")
            identifier.set(.seriesInstanceUID, .UI, string: series)
        } else {
            identifier.set(QueryMatcher.queryRetrieveLevel, .CS, string: "STUDY")
        }
        let moveIdentifier = identifier
        let contexts = [PresentationContextRQ(id: 1, abstractSyntax: SOPClass.studyRootMove, transferSyntaxes: AcceptorPolicy.nativeSyntaxes)]
        let local = applicationEntities.localAETitle
        let info = AssociationInfo(callingAETitle: local, calledAETitle: peer.aeTitle, peerHost: peer.host)
        do {
            let result = try await DICOMClient.withAssociation(to: peer, callingAETitle: local, contexts: contexts,
                                                               options: options(responseTimeout: .seconds(300))) {
                try await $0.retrieve(sopClass: SOPClass.studyRootMove, identifier: moveIdentifier, moveDestination: local)
            }
            await activity.record(DIMSEActivity(association: info, direction: "out", operation: "C-MOVE", sopClassUID: SOPClass.studyRootMove,
                                                status: result.status, detail: "\(result.completed) received, \(result.failed) failed"))
            let ok = DIMSEStatus.kind(result.status) == .success
            return RetrieveOutcome(
                ok: ok, status: Int(result.status), completed: result.completed, failed: result.failed, warning: result.warning,
                message: ok ? "已获取 \(result.completed) 幅图像" : DIMSEStatus.chineseText(result.status),
                messageEn: ok ? "\(result.completed) images received" : String(format: "C-MOVE status 0x%04X", result.status))
        } catch let error as DIMSEError {
            await activity.record(DIMSEActivity(association: info, direction: "out", operation: "C-MOVE", sopClassUID: SOPClass.studyRootMove,
                                                status: DIMSEStatus.processingFailure, detail: error.description))
            throw DomainError(status: 502, code: "dicom_peer_error", zh: error.chineseText, en: error.description)
        }
    }

    /// C-ECHO to a known AE, for the "test connection" button: the answer in words a technician understands.
    public func echo(_ id: Int) async throws -> EchoResult {
        let entry = try await applicationEntities.get(id)
        let peer = RemoteAE(aeTitle: entry.aeTitle, host: entry.host, port: entry.port, tls: entry.tls)
        let info = AssociationInfo(callingAETitle: applicationEntities.localAETitle, calledAETitle: peer.aeTitle, peerHost: peer.host)
        let started = ContinuousClock.now
        func elapsed() -> Int { Int((ContinuousClock.now - started) / .milliseconds(1)) }
        var options = options(responseTimeout: .seconds(10))
        options.connectTimeout = .seconds(5)
        do {
            let contexts = [PresentationContextRQ(id: 1, abstractSyntax: SOPClass.verification, transferSyntaxes: AcceptorPolicy.nativeSyntaxes)]
            let status = try await DICOMClient.withAssociation(to: peer, callingAETitle: applicationEntities.localAETitle, contexts: contexts, options: options) {
                try await $0.echo()
            }
            let ok = status == 0
            await activity.record(DIMSEActivity(association: info, direction: "out", operation: "C-ECHO", sopClassUID: SOPClass.verification,
                                                status: status, detail: "测试连接"))
            return EchoResult(ok: ok, status: Int(status), milliseconds: elapsed(),
                              message: ok ? "连接正常（C-ECHO 成功）" : DIMSEStatus.chineseText(status),
                              messageEn: ok ? "Connection OK (C-ECHO succeeded)" : String(format: "C-ECHO status 0x%04X", status))
        } catch let error as DIMSEError {
            await activity.record(DIMSEActivity(association: info, direction: "out", operation: "C-ECHO", sopClassUID: SOPClass.verification,
                                                status: DIMSEStatus.processingFailure, detail: "测试连接：\(error.chineseText)"))
            return EchoResult(ok: false, status: nil, milliseconds: elapsed(), message: error.chineseText, messageEn: error.description)
        } catch {
            return EchoResult(ok: false, status: nil, milliseconds: elapsed(), message: "连接失败", messageEn: "\(error)")
        }
    }
}

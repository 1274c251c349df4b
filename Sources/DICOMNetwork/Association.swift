import DICOM
import Foundation

/// What the acceptor accepts: our AE title, who may call, which services on which syntaxes.
public struct AcceptorPolicy: Sendable {
    public var aeTitle: String
    /// Accept any calling AE title (development default); otherwise only `knownCallingAETitles`.
    public var acceptAnyCallingAE: Bool
    public var knownCallingAETitles: Set<String>
    /// Calling AE titles known elsewhere (the database of application entities, kept current by the admin pages).
    public var isKnownCallingAE: (@Sendable (String) -> Bool)?
    /// Abstract syntaxes (SOP classes) with a service behind them.
    public var abstractSyntaxes: Set<String>
    /// Storage SOP classes: the requestor's syntax order wins for these, so compressed images stay as sent.
    public var storageSOPClasses: Set<String>
    /// Transfer syntaxes in order of preference for non-storage services; the first one the requestor also proposed wins.
    public var transferSyntaxes: [String]
    /// Every syntax a storage context may use.
    public var storageTransferSyntaxes: Set<String>
    /// The largest P-DATA-TF we accept (advertised in the A-ASSOCIATE-AC).
    public var maxPDULength: UInt32

    public static let verificationSOPClass = "1.2.840.10008.1.1"
    public static let nativeSyntaxes = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]

    public init(aeTitle: String, acceptAnyCallingAE: Bool = true, knownCallingAETitles: Set<String> = [],
                abstractSyntaxes: Set<String> = [verificationSOPClass], storageSOPClasses: Set<String> = [],
                transferSyntaxes: [String] = nativeSyntaxes,
                storageTransferSyntaxes: Set<String> = Set(TransferSyntax.known.map(\.uid)).union(UIDDictionary.transferSyntaxes),
                maxPDULength: UInt32 = 262_144) {
        self.aeTitle = aeTitle
        self.acceptAnyCallingAE = acceptAnyCallingAE
        self.knownCallingAETitles = knownCallingAETitles
        self.abstractSyntaxes = abstractSyntaxes.union(storageSOPClasses)
        self.storageSOPClasses = storageSOPClasses
        self.transferSyntaxes = transferSyntaxes
        self.storageTransferSyntaxes = storageTransferSyntaxes
        self.maxPDULength = maxPDULength
    }
}

/// A presentation context both sides agreed on.
public struct AcceptedContext: Sendable, Equatable {
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntax: String
    /// From role selection: whether the requestor acts as SCP for this SOP class (C-GET's C-STORE sub-operations).
    public var requestorIsSCP: Bool = false

    public var syntax: TransferSyntax { TransferSyntax.forUID(transferSyntax) }
}

/// What the association layer hands to the service side after a PDU.
public struct AssociationOutput: Sendable {
    public var pdus: [PDU] = []
    public var messages: [DIMSEMessage] = []
    /// The peer asked to release: finish the messages already delivered, then call `releaseResponse()`.
    public var releaseRequested = false
    public var close = false
}

/// One association as seen by the acceptor: feed it PDUs, send what it returns, hand its messages to the services.
public struct AssociationAcceptor: Sendable {
    public let policy: AcceptorPolicy
    public private(set) var machine = AssociationStateMachine()
    public private(set) var request: AssociateRQ?
    public private(set) var peerMaxPDULength: UInt32 = 0
    public private(set) var contexts: [UInt8: AcceptedContext] = [:]
    /// SOP Class Extended Negotiation as accepted (PS3.7 D.3.3.5): the option bytes we answered, per SOP class.
    public private(set) var extendedNegotiation: [String: [UInt8]] = [:]
    var assembler = MessageAssembler()

    public init(policy: AcceptorPolicy) { self.policy = policy }

    public var callingAETitle: String { request?.callingAETitle ?? "" }

    public mutating func receive(_ pdu: PDU, sinkFor: (DIMSEMessage, AcceptedContext) throws -> DatasetSink? = { _, _ in nil })
        -> AssociationOutput
    {
        switch machine.transition(AssociationStateMachine.event(for: pdu)) {
        case .evaluateAssociation:
            guard case .associateRQ(let rq) = pdu else { return abort(reason: 0) }
            return evaluate(rq)
        case .deliverData, .deliverDataWhileReleasing:
            guard case .dataTF(let pdvs) = pdu else { return abort(reason: 0) }
            return deliver(pdvs, sinkFor: sinkFor)
        case .indicateRelease:
            return AssociationOutput(releaseRequested: true)
        case .closeAfterPeerAbort, .closeOnTimeout, .confirmRelease, .associationRejected:
            assembler.abandon()
            return AssociationOutput(close: true)
        case .abortUnexpected:
            return abort(reason: 2)  // unexpected PDU
        case .abortInvalid:
            return abort(reason: 1)  // unrecognised PDU
        case .confirmAssociation, .sendReleaseRP, .sendReleaseRQ, .releaseCollision:
            return abort(reason: 2)  // requestor-side actions: never reached from the acceptor's states
        }
    }

    mutating func deliver(_ pdvs: [PDV], sinkFor: (DIMSEMessage, AcceptedContext) throws -> DatasetSink?) -> AssociationOutput {
        guard let messages = assembler.add(pdvs, contexts: contexts, sinkFor: sinkFor) else { return abort(reason: 6) }
        return AssociationOutput(messages: messages)
    }

    /// The services finished what was delivered before the A-RELEASE-RQ: answer it and close.
    public mutating func releaseResponse() -> AssociationOutput {
        guard machine.transition(.localReleaseRP) == .sendReleaseRP else { return abort(reason: 2) }
        return AssociationOutput(pdus: [.releaseRP], close: true)
    }

    /// A malformed PDU from the peer (the framer could not decode it).
    public mutating func receiveInvalid() -> AssociationOutput {
        _ = machine.transition(.invalidPDU)
        return abort(reason: 1)
    }

    /// The TCP connection ended without A-RELEASE or A-ABORT: drop any half-received object.
    public mutating func transportClosed() {
        machine.close()
        assembler.abandon()
    }

    public mutating func artimExpired() -> AssociationOutput {
        _ = machine.transition(.artimExpired)
        assembler.abandon()
        return AssociationOutput(close: true)
    }

    public mutating func abort(reason: UInt8) -> AssociationOutput {
        machine.close()
        assembler.abandon()
        return AssociationOutput(pdus: [.abort(source: 2, reason: reason)], close: true)
    }

    /// AE titles, application context, then each presentation context: accepted with the best syntax, or rejected
    /// with the reason (never a dropped connection).
    mutating func evaluate(_ rq: AssociateRQ) -> AssociationOutput {
        request = rq
        peerMaxPDULength = rq.userInformation.maxLength
        if rq.applicationContext != "1.2.840.10008.3.1.1.1" { return reject(.applicationContextNotSupported) }
        if rq.calledAETitle != policy.aeTitle { return reject(.calledAENotRecognized) }
        if !policy.acceptAnyCallingAE && !policy.knownCallingAETitles.contains(rq.callingAETitle)
            && !(policy.isKnownCallingAE?(rq.callingAETitle) ?? false)
        {
            return reject(.callingAENotRecognized)
        }
        let roles = Dictionary(rq.userInformation.roleSelections.map { ($0.sopClassUID, $0) }, uniquingKeysWith: { a, _ in a })
        var results: [PresentationContextAC] = []
        var confirmedRoles: [RoleSelection] = []
        for pc in rq.presentationContexts {
            guard policy.abstractSyntaxes.contains(pc.abstractSyntax) else {
                results.append(PresentationContextAC(id: pc.id, result: .abstractSyntaxNotSupported, transferSyntax: pc.transferSyntaxes.first ?? ""))
                continue
            }
            let isStorage = policy.storageSOPClasses.contains(pc.abstractSyntax)
            let chosen =
                isStorage
                ? pc.transferSyntaxes.first(where: policy.storageTransferSyntaxes.contains)
                : policy.transferSyntaxes.first(where: pc.transferSyntaxes.contains)
            guard let ts = chosen else {
                results.append(PresentationContextAC(id: pc.id, result: .transferSyntaxesNotSupported, transferSyntax: pc.transferSyntaxes.first ?? ""))
                continue
            }
            var context = AcceptedContext(id: pc.id, abstractSyntax: pc.abstractSyntax, transferSyntax: ts)
            if isStorage, let role = roles[pc.abstractSyntax], role.scpRole {
                // C-GET: the requestor will receive our C-STORE sub-operations on this context.
                context.requestorIsSCP = true
                confirmedRoles.append(RoleSelection(sopClassUID: pc.abstractSyntax, scuRole: role.scuRole, scpRole: true))
            }
            contexts[pc.id] = context
            results.append(PresentationContextAC(id: pc.id, result: .acceptance, transferSyntax: ts))
        }
        var user = UserInformation(maxLength: policy.maxPDULength, implementationClassUID: DICOMWriter.implementationClassUID,
                                   implementationVersionName: DICOMWriter.implementationVersionName)
        // One operation at a time each way (0 would mean "unlimited" in PS3.7 D.3.3.3).
        if rq.userInformation.asyncOperations != nil { user.asyncOperations = (1, 1) }
        var seenRoles = Set<String>()
        user.roleSelections = confirmedRoles.filter { seenRoles.insert($0.sopClassUID).inserted }
        let accepted = Set(contexts.values.map(\.abstractSyntax))
        for (uid, info) in rq.userInformation.extendedNegotiation where accepted.contains(uid) && extendedNegotiation[uid] == nil {
            guard let reply = Self.extendedNegotiationReply(sopClass: uid, requested: [UInt8](info)) else { continue }
            extendedNegotiation[uid] = reply
            user.extendedNegotiation.append((uid, Data(reply)))
        }
        let ac = AssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle, presentationContexts: results,
                             userInformation: user)
        return AssociationOutput(pdus: [.associateAC(ac)])
    }

    /// What we support of the Query/Retrieve extended negotiation options (PS3.4 C.3.5, C.4.1.1.4):
    /// FIND — relational queries (any level without the unique keys above it: the index answers every level
    /// directly), combined date-time matching, fuzzy semantic matching of person names (ours is always on: any
    /// name group, any case, `^` ignored); not time-zone adjustment or enhanced multi-frame conversion.
    /// MOVE and GET — relational retrieval (a series or image by its own UID alone); not multi-frame conversion.
    /// Each byte answered is the requested one where we support it, else 0; bytes not requested are not answered.
    static func extendedNegotiationReply(sopClass uid: String, requested: [UInt8]) -> [UInt8]? {
        let supported: [UInt8]
        switch uid {
        // The Q/R UIDs spelled out: this file is also built alone into the PDU fuzz target, without ServiceClasses.swift.
        case "1.2.840.10008.5.1.4.1.2.1.1", "1.2.840.10008.5.1.4.1.2.2.1": supported = [1, 1, 1, 0, 0]  // Patient / Study Root FIND
        case "1.2.840.10008.5.1.4.1.2.1.2", "1.2.840.10008.5.1.4.1.2.2.2",  // MOVE
             "1.2.840.10008.5.1.4.1.2.1.3", "1.2.840.10008.5.1.4.1.2.2.3":  // GET
            supported = [1, 0]
        default: return nil
        }
        return requested.prefix(supported.count).enumerated().map { $1 == 1 && supported[$0] == 1 ? 1 : 0 }
    }

    mutating func reject(_ rj: AssociateRJ) -> AssociationOutput {
        machine.close()
        return AssociationOutput(pdus: [.associateRJ(rj)], close: true)
    }
}

/// The requestor side: proposes contexts, reads the answer, then delivers the peer's messages like the acceptor.
public struct AssociationRequestor: Sendable {
    public let request: AssociateRQ
    public private(set) var machine = AssociationStateMachine(state: .awaitingAssociateAC)
    public private(set) var accept: AssociateAC?
    public private(set) var rejection: AssociateRJ?
    public private(set) var contexts: [UInt8: AcceptedContext] = [:]
    public var peerMaxPDULength: UInt32 { accept?.userInformation.maxLength ?? 0 }
    var assembler = MessageAssembler()

    public init(request: AssociateRQ) { self.request = request }

    public mutating func receive(_ pdu: PDU, sinkFor: (DIMSEMessage, AcceptedContext) throws -> DatasetSink? = { _, _ in nil })
        -> AssociationOutput
    {
        switch machine.transition(AssociationStateMachine.event(for: pdu)) {
        case .confirmAssociation:
            guard case .associateAC(let ac) = pdu else { return abort(reason: 0) }
            accept = ac
            let proposed = Dictionary(request.presentationContexts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let roles = Set(ac.userInformation.roleSelections.filter(\.scpRole).map(\.sopClassUID))
            for pc in ac.presentationContexts where pc.result == .acceptance {
                guard let rq = proposed[pc.id] else { continue }
                contexts[pc.id] = AcceptedContext(id: pc.id, abstractSyntax: rq.abstractSyntax, transferSyntax: pc.transferSyntax,
                                                  requestorIsSCP: roles.contains(rq.abstractSyntax))
            }
            return AssociationOutput()
        case .associationRejected:
            if case .associateRJ(let rj) = pdu { rejection = rj }
            return AssociationOutput(close: true)
        case .deliverData, .deliverDataWhileReleasing:
            guard case .dataTF(let pdvs) = pdu else { return abort(reason: 0) }
            guard let messages = assembler.add(pdvs, contexts: contexts, sinkFor: sinkFor) else { return abort(reason: 6) }
            return AssociationOutput(messages: messages)
        case .confirmRelease, .closeAfterPeerAbort, .closeOnTimeout:
            assembler.abandon()
            return AssociationOutput(close: true)
        case .releaseCollision:
            return AssociationOutput(pdus: [.releaseRP])
        case .indicateRelease:
            return AssociationOutput(releaseRequested: true)
        case .abortInvalid:
            return abort(reason: 1)
        default:
            return abort(reason: 2)
        }
    }

    public mutating func releaseRequest() -> AssociationOutput {
        guard machine.transition(.localReleaseRQ) == .sendReleaseRQ else { return AssociationOutput(close: true) }
        return AssociationOutput(pdus: [.releaseRQ])
    }

    public mutating func releaseResponse() -> AssociationOutput {
        _ = machine.transition(.localReleaseRP)
        return AssociationOutput(pdus: [.releaseRP], close: true)
    }

    public mutating func receiveInvalid() -> AssociationOutput {
        _ = machine.transition(.invalidPDU)
        return abort(reason: 1)
    }

    public mutating func abort(reason: UInt8) -> AssociationOutput {
        machine.close()
        assembler.abandon()
        return AssociationOutput(pdus: [.abort(source: 0, reason: reason)], close: true)
    }
}

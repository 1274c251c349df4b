import DICOM
import Foundation

/// What the acceptor accepts: our AE title, who may call, which services on which syntaxes.
public struct AcceptorPolicy: Sendable {
    public var aeTitle: String
    /// Accept any calling AE title (development default); otherwise only `knownCallingAETitles`.
    public var acceptAnyCallingAE: Bool
    public var knownCallingAETitles: Set<String>
    /// Abstract syntaxes (SOP classes) with a service behind them.
    public var abstractSyntaxes: Set<String>
    /// Transfer syntaxes in order of preference; the first one the requestor also proposed wins.
    public var transferSyntaxes: [String]
    /// The largest P-DATA-TF we accept (advertised in the A-ASSOCIATE-AC).
    public var maxPDULength: UInt32

    public static let verificationSOPClass = "1.2.840.10008.1.1"

    public init(aeTitle: String, acceptAnyCallingAE: Bool = true, knownCallingAETitles: Set<String> = [],
                abstractSyntaxes: Set<String> = [verificationSOPClass],
                transferSyntaxes: [String] = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid],
                maxPDULength: UInt32 = 262_144) {
        self.aeTitle = aeTitle
        self.acceptAnyCallingAE = acceptAnyCallingAE
        self.knownCallingAETitles = knownCallingAETitles
        self.abstractSyntaxes = abstractSyntaxes
        self.transferSyntaxes = transferSyntaxes
        self.maxPDULength = maxPDULength
    }
}

/// The acceptor side of the upper-layer state machine (PS3.8 9.2), as data: each (state, event) names an action
/// and the next state. Anything not in the table is a protocol error answered with A-ABORT (AA-8).
public struct AssociationStateMachine: Sendable {
    public enum State: String, Sendable {
        case awaitingAssociateRQ = "Sta2"  // transport open, ARTIM running
        case associated = "Sta6"
        case closed = "Sta13"  // awaiting transport close
    }

    public enum Event: Hashable, Sendable {
        case associateRQ, associateAC, associateRJ, dataTF, releaseRQ, releaseRP, abort, invalidPDU, artimExpired
    }

    public enum Action: String, Sendable {
        case evaluateAssociation = "AE-6"  // accept or reject the A-ASSOCIATE-RQ
        case deliverData = "DT-2"
        case acknowledgeRelease = "AR-2"  // send A-RELEASE-RP and close
        case closeAfterPeerAbort = "AA-3"
        case abortUnexpected = "AA-1"  // A-ABORT for a PDU not allowed in this state
        case abortInvalid = "AA-8"  // A-ABORT for an unrecognised or malformed PDU
        case closeOnTimeout = "AA-2"
    }

    public static let table: [State: [Event: (Action, State)]] = [
        .awaitingAssociateRQ: [
            .associateRQ: (.evaluateAssociation, .associated),
            .artimExpired: (.closeOnTimeout, .closed),
            .abort: (.closeAfterPeerAbort, .closed),
            .invalidPDU: (.abortInvalid, .closed),
        ],
        .associated: [
            .dataTF: (.deliverData, .associated),
            .releaseRQ: (.acknowledgeRelease, .closed),
            .abort: (.closeAfterPeerAbort, .closed),
            .invalidPDU: (.abortInvalid, .closed),
        ],
    ]

    public private(set) var state: State = .awaitingAssociateRQ

    public mutating func transition(_ event: Event) -> Action {
        guard let (action, next) = Self.table[state]?[event] else {
            state = .closed
            return .abortUnexpected
        }
        state = next
        return action
    }

    public mutating func close() { state = .closed }
}

/// One association as seen by the acceptor: feed it PDUs, send what it returns, close when it says so.
public struct AssociationAcceptor: Sendable {
    public let policy: AcceptorPolicy
    public private(set) var machine = AssociationStateMachine()
    public private(set) var callingAETitle = ""
    public private(set) var peerMaxPDULength: UInt32 = 0
    public private(set) var accepted: [UInt8: (abstractSyntax: String, transferSyntax: String)] = [:]
    var assembler = MessageAssembler()
    let handler: @Sendable (DIMSEMessage, AssociationAcceptor) -> [DIMSEMessage]

    public init(policy: AcceptorPolicy, handler: @escaping @Sendable (DIMSEMessage, AssociationAcceptor) -> [DIMSEMessage]) {
        self.policy = policy
        self.handler = handler
    }

    public struct Output: Sendable {
        public var pdus: [PDU] = []
        public var close = false
    }

    public mutating func receive(_ pdu: PDU) -> Output {
        let event: AssociationStateMachine.Event =
            switch pdu {
            case .associateRQ: .associateRQ
            case .associateAC: .associateAC
            case .associateRJ: .associateRJ
            case .dataTF: .dataTF
            case .releaseRQ: .releaseRQ
            case .releaseRP: .releaseRP
            case .abort: .abort
            }
        switch machine.transition(event) {
        case .evaluateAssociation:
            guard case .associateRQ(let rq) = pdu else { return abort(reason: 0) }
            return evaluate(rq)
        case .deliverData:
            guard case .dataTF(let pdvs) = pdu else { return abort(reason: 0) }
            var out = Output()
            for pdv in pdvs {
                guard accepted[pdv.contextID] != nil else { return abort(reason: 6) }  // invalid PDU parameter
                do {
                    if let message = try assembler.add(pdv) {
                        for response in handler(message, self) { out.pdus += response.pdus(maxPDULength: peerMaxPDULength) }
                    }
                } catch {
                    return abort(reason: 6)
                }
            }
            return out
        case .acknowledgeRelease:
            return Output(pdus: [.releaseRP], close: true)
        case .closeAfterPeerAbort, .closeOnTimeout:
            return Output(pdus: [], close: true)
        case .abortUnexpected:
            return abort(reason: 2)  // unexpected PDU
        case .abortInvalid:
            return abort(reason: 1)  // unrecognised PDU
        }
    }

    /// A malformed PDU from the peer (the framer could not decode it).
    public mutating func receiveInvalid() -> Output {
        _ = machine.transition(.invalidPDU)
        return abort(reason: 1)
    }

    public mutating func artimExpired() -> Output {
        _ = machine.transition(.artimExpired)
        return Output(pdus: [], close: true)
    }

    mutating func abort(reason: UInt8) -> Output {
        machine.close()
        return Output(pdus: [.abort(source: 2, reason: reason)], close: true)
    }

    /// AE titles, application context, then each presentation context: accepted with the first of our preferred
    /// syntaxes the requestor offers, or rejected with the reason (never a dropped connection).
    mutating func evaluate(_ rq: AssociateRQ) -> Output {
        callingAETitle = rq.callingAETitle
        peerMaxPDULength = rq.userInformation.maxLength
        if rq.applicationContext != "1.2.840.10008.3.1.1.1" { return reject(.applicationContextNotSupported) }
        if rq.calledAETitle != policy.aeTitle { return reject(.calledAENotRecognized) }
        if !policy.acceptAnyCallingAE && !policy.knownCallingAETitles.contains(rq.callingAETitle) {
            return reject(.callingAENotRecognized)
        }
        var results: [PresentationContextAC] = []
        for pc in rq.presentationContexts {
            guard policy.abstractSyntaxes.contains(pc.abstractSyntax) else {
                results.append(PresentationContextAC(id: pc.id, result: .abstractSyntaxNotSupported, transferSyntax: pc.transferSyntaxes.first ?? ""))
                continue
            }
            guard let ts = policy.transferSyntaxes.first(where: pc.transferSyntaxes.contains) else {
                results.append(PresentationContextAC(id: pc.id, result: .transferSyntaxesNotSupported, transferSyntax: pc.transferSyntaxes.first ?? ""))
                continue
            }
            accepted[pc.id] = (pc.abstractSyntax, ts)
            results.append(PresentationContextAC(id: pc.id, result: .acceptance, transferSyntax: ts))
        }
        var user = UserInformation(maxLength: policy.maxPDULength, implementationClassUID: DICOMWriter.implementationClassUID,
                                   implementationVersionName: DICOMWriter.implementationVersionName)
        if let ops = rq.userInformation.asyncOperations { user.asyncOperations = (min(ops.invoked, 1), min(ops.performed, 1)) }
        let ac = AssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle, presentationContexts: results,
                             userInformation: user)
        return Output(pdus: [.associateAC(ac)], close: false)
    }

    mutating func reject(_ rj: AssociateRJ) -> Output {
        machine.close()
        return Output(pdus: [.associateRJ(rj)], close: true)
    }
}

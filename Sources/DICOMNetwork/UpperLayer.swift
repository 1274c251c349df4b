import Foundation

/// The upper-layer state machine of PS3.8 9.2, as data, for both roles. Each (state, event) names the PS3.8 action
/// and the next state; anything not in the table is a protocol error answered with A-ABORT.
public struct AssociationStateMachine: Sendable {
    public enum State: String, Sendable {
        case awaitingAssociateRQ = "Sta2"  // acceptor: transport open, ARTIM running
        case awaitingAssociateAC = "Sta5"  // requestor: A-ASSOCIATE-RQ sent
        case associated = "Sta6"
        case awaitingReleaseRP = "Sta7"  // requestor: A-RELEASE-RQ sent
        case awaitingLocalReleaseResponse = "Sta8"  // acceptor: A-RELEASE-RQ received, finishing work in progress
        case collisionAwaitingReleaseRP = "Sta11"  // requestor: both sides asked to release; our A-RELEASE-RP sent
        case closed = "Sta13"  // awaiting transport close
    }

    public enum Event: Hashable, Sendable {
        case associateRQ, associateAC, associateRJ, dataTF, releaseRQ, releaseRP, abort, invalidPDU, artimExpired
        case localReleaseRQ, localReleaseRP
    }

    public enum Action: String, Sendable {
        case evaluateAssociation = "AE-6"  // accept or reject the A-ASSOCIATE-RQ
        case confirmAssociation = "AE-3"  // A-ASSOCIATE-AC received
        case associationRejected = "AE-4"
        case deliverData = "DT-2"
        case indicateRelease = "AR-2"  // A-RELEASE-RQ received: let work in progress finish
        case sendReleaseRP = "AR-4"
        case sendReleaseRQ = "AR-1"
        case confirmRelease = "AR-3"  // A-RELEASE-RP received: close
        case releaseCollision = "AR-8"  // A-RELEASE-RQ while ours is pending: the requestor answers first (AR-9)
        case deliverDataWhileReleasing = "AR-7"
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
        .awaitingAssociateAC: [
            .associateAC: (.confirmAssociation, .associated),
            .associateRJ: (.associationRejected, .closed),
            .artimExpired: (.closeOnTimeout, .closed),
            .abort: (.closeAfterPeerAbort, .closed),
            .invalidPDU: (.abortInvalid, .closed),
        ],
        .associated: [
            .dataTF: (.deliverData, .associated),
            .releaseRQ: (.indicateRelease, .awaitingLocalReleaseResponse),
            .localReleaseRQ: (.sendReleaseRQ, .awaitingReleaseRP),
            .abort: (.closeAfterPeerAbort, .closed),
            .invalidPDU: (.abortInvalid, .closed),
        ],
        .awaitingReleaseRP: [
            .dataTF: (.deliverDataWhileReleasing, .awaitingReleaseRP),
            .releaseRP: (.confirmRelease, .closed),
            // PS3.8 9.2.3 release collision, requestor side (Sta9 → AR-9 → Sta11): we send our A-RELEASE-RP at once
            // and wait for the peer's.
            .releaseRQ: (.releaseCollision, .collisionAwaitingReleaseRP),
            .artimExpired: (.closeOnTimeout, .closed),
            .abort: (.closeAfterPeerAbort, .closed),
            .invalidPDU: (.abortInvalid, .closed),
        ],
        .collisionAwaitingReleaseRP: [
            .releaseRP: (.confirmRelease, .closed),
            .artimExpired: (.closeOnTimeout, .closed),
            .abort: (.closeAfterPeerAbort, .closed),
            .invalidPDU: (.abortInvalid, .closed),
        ],
        .awaitingLocalReleaseResponse: [
            .localReleaseRP: (.sendReleaseRP, .closed),
            .abort: (.closeAfterPeerAbort, .closed),
            .invalidPDU: (.abortInvalid, .closed),
        ],
    ]

    public private(set) var state: State

    public init(state: State = .awaitingAssociateRQ) { self.state = state }

    public mutating func transition(_ event: Event) -> Action {
        guard let (action, next) = Self.table[state]?[event] else {
            state = .closed
            return .abortUnexpected
        }
        state = next
        return action
    }

    public mutating func close() { state = .closed }

    static func event(for pdu: PDU) -> Event {
        switch pdu {
        case .associateRQ: .associateRQ
        case .associateAC: .associateAC
        case .associateRJ: .associateRJ
        case .dataTF: .dataTF
        case .releaseRQ: .releaseRQ
        case .releaseRP: .releaseRP
        case .abort: .abort
        }
    }
}

@testable import DICOMNetwork
import DICOM
import Foundation
import Testing

@Suite("Upper layer PDUs")
struct PDUTests {
    static func request(called: String = "YUNYING", contexts: [PresentationContextRQ]? = nil) -> AssociateRQ {
        var user = UserInformation(maxLength: 16384, implementationClassUID: "1.2.3.4", implementationVersionName: "TEST_1")
        user.asyncOperations = (4, 4)
        user.roleSelections = [RoleSelection(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", scuRole: true, scpRole: true)]
        user.userIdentityRequest = UserIdentity(type: 2, positiveResponseRequested: true, primary: Data("tech".utf8), secondary: Data("pw".utf8))
        return AssociateRQ(
            calledAETitle: called, callingAETitle: "CT01",
            presentationContexts: contexts ?? [
                PresentationContextRQ(id: 1, abstractSyntax: AcceptorPolicy.verificationSOPClass,
                                      transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid, TransferSyntax.explicitVRLittleEndian.uid]),
                PresentationContextRQ(id: 3, abstractSyntax: "1.2.840.10008.5.1.4.1.1.2", transferSyntaxes: [TransferSyntax.jpegLSLossless.uid]),
            ],
            userInformation: user)
    }

    @Test("every PDU type round-trips through its encoding")
    func roundTrip() throws {
        let pdus: [PDU] = [
            .associateRQ(Self.request()),
            .associateRJ(.callingAENotRecognized),
            .dataTF([PDV(contextID: 1, isCommand: true, isLast: false, data: Data([1, 2, 3])),
                     PDV(contextID: 1, isCommand: false, isLast: true, data: Data())]),
            .releaseRQ, .releaseRP, .abort(source: 2, reason: 6),
        ]
        for pdu in pdus { #expect(try PDUCodec.decode(PDUCodec.encode(pdu)) == pdu) }
        let encoded = PDUCodec.encode(.associateRQ(Self.request()))
        #expect(encoded[0] == 0x01 && encoded.count == 6 + (PDUCodec.header([UInt8](encoded))?.length ?? -1))
    }

    @Test("truncated, oversized and unknown PDUs are typed errors")
    func malformed() {
        let good = [UInt8](PDUCodec.encode(.associateRQ(Self.request())))
        for cut in [3, 10, 60, good.count - 1] {
            #expect(throws: PDUError.self) { try PDUCodec.decode(Data(good.prefix(cut))) }
        }
        #expect(throws: PDUError.unknownType(0x09)) { try PDUCodec.decode(Data([0x09, 0, 0, 0, 0, 0])) }
        #expect(throws: PDUError.tooLarge(length: 0x7FFF_FFFF, limit: 1024)) {
            try PDUCodec.decode(Data([0x04, 0, 0x7F, 0xFF, 0xFF, 0xFF]), maxLength: 1024)
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var b = good
            for _ in 0..<4 { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? PDUCodec.decode(Data(b))
        }
    }
}

@Suite("Association acceptor")
struct AcceptorTests {
    func acceptor(_ policy: AcceptorPolicy = AcceptorPolicy(aeTitle: "YUNYING")) -> AssociationAcceptor {
        AssociationAcceptor(policy: policy)
    }

    @Test("accepts Verification, rejects an unsupported SOP class by context, reassembles a fragmented C-ECHO, releases after Sta8")
    func echo() throws {
        var a = acceptor()
        let out = a.receive(.associateRQ(PDUTests.request()))
        guard case .associateAC(let ac) = out.pdus.first else {
            Issue.record("expected A-ASSOCIATE-AC, got \(out.pdus)")
            return
        }
        #expect(ac.presentationContexts.first { $0.id == 1 }?.result == .acceptance)
        #expect(ac.presentationContexts.first { $0.id == 1 }?.transferSyntax == TransferSyntax.explicitVRLittleEndian.uid, "our preference wins")
        #expect(ac.presentationContexts.first { $0.id == 3 }?.result == .abstractSyntaxNotSupported)
        #expect(ac.userInformation.implementationClassUID == DICOMWriter.implementationClassUID)
        #expect(a.machine.state == .associated)

        let echo = DIMSEMessage(contextID: 1, command: DIMSEMessage.command { ds in
            ds.set(Tag(0x0000, 0x0002), .UI, string: AcceptorPolicy.verificationSOPClass)
            ds.set(Tag(0x0000, 0x0100), .US, ints: [0x0030])
            ds.set(Tag(0x0000, 0x0110), .US, ints: [7])
            ds.set(Tag(0x0000, 0x0800), .US, ints: [0x0101])
        }, dataset: nil)
        var delivered: [DIMSEMessage] = []
        let fragments = echo.pdus(maxPDULength: 16)  // tiny PDUs: many fragments
        #expect(fragments.count > 1)
        for pdu in fragments { delivered += a.receive(pdu).messages }
        #expect(delivered.count == 1)
        #expect(delivered.first?.field == .cEchoRQ && delivered.first?.messageID == 7)
        let response = DIMSEMessage.response(to: delivered[0], status: 0)
        #expect(response.command.int(Tag(0x0000, 0x0100)) == 0x8030 && response.respondedMessageID == 7 && response.status == 0)

        let release = a.receive(.releaseRQ)
        #expect(release.pdus.isEmpty && release.releaseRequested && !release.close, "Sta8: work in progress finishes first")
        #expect(a.machine.state == .awaitingLocalReleaseResponse)
        let answer = a.releaseResponse()
        #expect(answer.pdus == [.releaseRP] && answer.close)
    }

    @Test("SOP class extended negotiation: Q/R options answered per byte, only for accepted contexts we know")
    func extendedNegotiation() {
        var policy = AcceptorPolicy(aeTitle: "YUNYING")
        policy.abstractSyntaxes.formUnion([SOPClass.studyRootFind, SOPClass.studyRootMove])
        var a = acceptor(policy)
        var rq = PDUTests.request(contexts: [
            PresentationContextRQ(id: 1, abstractSyntax: SOPClass.studyRootFind, transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid]),
            PresentationContextRQ(id: 3, abstractSyntax: SOPClass.studyRootMove, transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid]),
        ])
        rq.userInformation.extendedNegotiation = [
            (SOPClass.studyRootFind, Data([1, 1, 1, 1])),  // relational, combined date-time, fuzzy names, time zones
            (SOPClass.studyRootMove, Data([1])),
            (SOPClass.patientRootFind, Data([1, 1])),  // not proposed as a context: no answer
        ]
        guard case .associateAC(let ac) = a.receive(.associateRQ(rq)).pdus.first else {
            Issue.record("expected A-ASSOCIATE-AC")
            return
        }
        let answered = Dictionary(ac.userInformation.extendedNegotiation.map { ($0.sopClassUID, [UInt8]($0.info)) }, uniquingKeysWith: { a, _ in a })
        #expect(answered[SOPClass.studyRootFind] == [1, 1, 1, 0])
        #expect(answered[SOPClass.studyRootMove] == [1])
        #expect(answered[SOPClass.patientRootFind] == nil)
        #expect(a.extendedNegotiation[SOPClass.studyRootFind] == [1, 1, 1, 0])
        #expect(AssociationAcceptor.extendedNegotiationReply(sopClass: SOPClass.studyRootFind, requested: [0, 1])! == [0, 1])
    }

    @Test("unknown called or calling AE titles are rejected with the PS3.8 reasons")
    func rejections() {
        var wrongCalled = acceptor()
        #expect(wrongCalled.receive(.associateRQ(PDUTests.request(called: "OTHER"))).pdus == [.associateRJ(.calledAENotRecognized)])
        var closed = acceptor(AcceptorPolicy(aeTitle: "YUNYING", acceptAnyCallingAE: false, knownCallingAETitles: ["MR01"]))
        let out = closed.receive(.associateRQ(PDUTests.request()))
        #expect(out.pdus == [.associateRJ(.callingAENotRecognized)] && out.close)
    }

    @Test("PDUs out of order get an A-ABORT, as the state table says")
    func unexpected() {
        var a = acceptor()
        let early = a.receive(.dataTF([PDV(contextID: 1, isCommand: true, isLast: true, data: Data())]))
        #expect(early.pdus == [.abort(source: 2, reason: 2)] && early.close)
        var b = acceptor()
        _ = b.receive(.associateRQ(PDUTests.request()))
        let wrongContext = b.receive(.dataTF([PDV(contextID: 9, isCommand: true, isLast: true, data: Data())]))
        #expect(wrongContext.pdus == [.abort(source: 2, reason: 6)])
        var c = acceptor()
        #expect(c.receiveInvalid().pdus == [.abort(source: 2, reason: 1)])
        #expect(AssociationStateMachine.table[.associated]?[.releaseRQ]?.0 == .indicateRelease)
        #expect(AssociationStateMachine.table[.awaitingReleaseRP]?[.dataTF]?.0 == .deliverDataWhileReleasing)
    }
}

@Suite("Association requestor")
struct RequestorTests {
    func established() -> AssociationRequestor {
        var r = AssociationRequestor(request: PDUTests.request())
        let ac = AssociateAC(calledAETitle: "YUNYING", callingAETitle: "CT01",
                             presentationContexts: [PresentationContextAC(id: 1, result: .acceptance, transferSyntax: TransferSyntax.explicitVRLittleEndian.uid)],
                             userInformation: UserInformation(maxLength: 16384))
        _ = r.receive(.associateAC(ac))
        return r
    }

    @Test("A-ASSOCIATE-AC establishes; our A-RELEASE-RQ then the peer's RP closes (Sta6 → Sta7 → Sta13)")
    func release() {
        var r = established()
        #expect(r.machine.state == .associated && r.contexts[1]?.abstractSyntax == PDUTests.request().presentationContexts[0].abstractSyntax)
        #expect(r.releaseRequest().pdus == [.releaseRQ])
        #expect(r.machine.state == .awaitingReleaseRP)
        #expect(r.receive(.releaseRP).close)
    }

    @Test("release collision: the peer's A-RELEASE-RQ while ours is pending is answered, then its RP closes (PS3.8 Sta9–11)")
    func collision() {
        var r = established()
        _ = r.releaseRequest()
        let answer = r.receive(.releaseRQ)
        #expect(answer.pdus == [.releaseRP] && !answer.close)
        #expect(r.machine.state == .collisionAwaitingReleaseRP)
        #expect(r.receive(.releaseRP).close)
    }

    @Test("A-ASSOCIATE-RJ is reported with its reason")
    func rejected() {
        var r = AssociationRequestor(request: PDUTests.request())
        #expect(r.receive(.associateRJ(.callingAENotRecognized)).close)
        #expect(r.rejection == .callingAENotRecognized)
    }
}

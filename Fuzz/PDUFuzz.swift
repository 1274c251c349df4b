// libFuzzer entry point for the DICOM upper layer: the bytes are read as a stream of PDUs and fed to an association
// acceptor, as a peer would send them. Any input must end in PDUs, typed errors or an A-ABORT, never a crash.
// Built by scripts/fuzz-parser.sh (target `pdu`).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: start, count: count))
    var acceptor = AssociationAcceptor(policy: AcceptorPolicy(aeTitle: "YUNYING"), handler: DIMSEServices.handle)
    while let (_, length) = PDUCodec.header(bytes), bytes.count >= 6 + length {
        let pdu = Data(bytes[0..<(6 + length)])
        bytes.removeFirst(6 + length)
        let output: AssociationAcceptor.Output
        if let decoded = try? PDUCodec.decode(pdu, maxLength: 1 << 20) {
            output = acceptor.receive(decoded)
        } else {
            output = acceptor.receiveInvalid()
        }
        for p in output.pdus { _ = PDUCodec.encode(p) }
        if output.close { break }
    }
    return 0
}

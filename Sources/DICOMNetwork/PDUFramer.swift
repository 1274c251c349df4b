import Foundation
import NIOCore
import NIOFoundationCompat

/// Cuts a TCP byte stream into PDUs. A PDU longer than we accept ends the stream as invalid instead of being
/// buffered: the length field is the peer's claim, not a reason to allocate.
struct PDUFramer {
    enum Item: Sendable {
        case pdu(PDU)
        case invalid(String)
    }

    let maxPDULength: Int
    var buffer = ByteBuffer()
    var failed = false

    init(maxPDULength: Int) { self.maxPDULength = maxPDULength }

    mutating func push(_ chunk: ByteBuffer) -> [Item] {
        guard !failed else { return [] }
        var chunk = chunk
        buffer.writeBuffer(&chunk)
        var out: [Item] = []
        // P-DATA may use what we advertised plus slack; other PDUs (association negotiation) stay small.
        let dataLimit = maxPDULength + 1024
        while buffer.readableBytes >= 6, let header = buffer.getBytes(at: buffer.readerIndex, length: 6),
            let (type, length) = PDUCodec.header(header)
        {
            if type == 0x04 && length > dataLimit || type != 0x04 && length > 1 << 20 {
                failed = true
                out.append(.invalid("PDU of \(length) bytes exceeds the limit"))
                return out
            }
            guard buffer.readableBytes >= 6 + length else { break }
            let bytes = buffer.readData(length: 6 + length)!
            do {
                out.append(.pdu(try PDUCodec.decode(bytes, maxLength: dataLimit)))
            } catch {
                failed = true
                out.append(.invalid("\(error)"))
                return out
            }
        }
        buffer.discardReadBytes()
        return out
    }
}

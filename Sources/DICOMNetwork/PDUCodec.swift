import Foundation

/// Byte-level encoding of PDUs (big endian lengths, PS3.8 9.3).
public enum PDUCodec {
    /// Reads the 6-byte PDU header: type and body length.
    public static func header(_ bytes: [UInt8]) -> (type: UInt8, length: Int)? {
        guard bytes.count >= 6 else { return nil }
        return (bytes[0], Int(bytes[2]) << 24 | Int(bytes[3]) << 16 | Int(bytes[4]) << 8 | Int(bytes[5]))
    }

    // MARK: Encoding

    struct Writer {
        var out: [UInt8] = []
        mutating func u8(_ v: UInt8) { out.append(v) }
        mutating func u16(_ v: Int) { out += [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        mutating func u32(_ v: Int) { out += [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        mutating func ae(_ title: String) {
            var b = Array(title.utf8.prefix(16))
            while b.count < 16 { b.append(0x20) }
            out += b
        }
        mutating func item(_ type: UInt8, _ body: [UInt8]) {
            u8(type)
            u8(0)
            u16(body.count)
            out += body
        }
        mutating func uidItem(_ type: UInt8, _ uid: String) { item(type, Array(uid.utf8)) }
    }

    public static func encode(_ pdu: PDU) -> Data {
        var body = Writer()
        switch pdu {
        case .associateRQ(let rq):
            fixedPart(&body, called: rq.calledAETitle, calling: rq.callingAETitle)
            body.uidItem(0x10, rq.applicationContext)
            for pc in rq.presentationContexts {
                var sub = Writer()
                sub.out += [pc.id, 0, 0, 0]
                sub.uidItem(0x30, pc.abstractSyntax)
                for ts in pc.transferSyntaxes { sub.uidItem(0x40, ts) }
                body.item(0x20, sub.out)
            }
            body.item(0x50, userInformation(rq.userInformation))
        case .associateAC(let ac):
            fixedPart(&body, called: ac.calledAETitle, calling: ac.callingAETitle)
            body.uidItem(0x10, ac.applicationContext)
            for pc in ac.presentationContexts {
                var sub = Writer()
                sub.out += [pc.id, 0, pc.result.rawValue, 0]
                sub.uidItem(0x40, pc.transferSyntax)
                body.item(0x21, sub.out)
            }
            body.item(0x50, userInformation(ac.userInformation))
        case .associateRJ(let rj):
            body.out = [0, rj.result, rj.source, rj.reason]
        case .dataTF(let pdvs):
            for pdv in pdvs {
                body.u32(pdv.data.count + 2)
                body.u8(pdv.contextID)
                body.u8((pdv.isCommand ? 1 : 0) | (pdv.isLast ? 2 : 0))
                body.out += pdv.data
            }
        case .releaseRQ, .releaseRP:
            body.out = [0, 0, 0, 0]
        case .abort(let source, let reason):
            body.out = [0, 0, source, reason]
        }
        var out = Writer()
        out.u8(pdu.typeCode)
        out.u8(0)
        out.u32(body.out.count)
        return Data(out.out + body.out)
    }

    static func fixedPart(_ w: inout Writer, called: String, calling: String) {
        w.u16(1)  // protocol version
        w.u16(0)
        w.ae(called)
        w.ae(calling)
        w.out += [UInt8](repeating: 0, count: 32)
    }

    static func userInformation(_ u: UserInformation) -> [UInt8] {
        var w = Writer()
        var max = Writer()
        max.u32(Int(u.maxLength))
        w.item(0x51, max.out)
        w.uidItem(0x52, u.implementationClassUID)
        if let ops = u.asyncOperations {
            var a = Writer()
            a.u16(Int(ops.invoked))
            a.u16(Int(ops.performed))
            w.item(0x53, a.out)
        }
        for role in u.roleSelections {
            var r = Writer()
            r.u16(role.sopClassUID.utf8.count)
            r.out += Array(role.sopClassUID.utf8)
            r.u8(role.scuRole ? 1 : 0)
            r.u8(role.scpRole ? 1 : 0)
            w.item(0x54, r.out)
        }
        if let name = u.implementationVersionName { w.item(0x55, Array(name.utf8.prefix(16))) }
        for ext in u.extendedNegotiation {
            var e = Writer()
            e.u16(ext.sopClassUID.utf8.count)
            e.out += Array(ext.sopClassUID.utf8)
            e.out += ext.info
            w.item(0x56, e.out)
        }
        if let id = u.userIdentityRequest {
            var i = Writer()
            i.u8(id.type)
            i.u8(id.positiveResponseRequested ? 1 : 0)
            i.u16(id.primary.count)
            i.out += id.primary
            i.u16(id.secondary.count)
            i.out += id.secondary
            w.item(0x58, i.out)
        }
        if let response = u.userIdentityResponse {
            var r = Writer()
            r.u16(response.count)
            r.out += response
            w.item(0x59, r.out)
        }
        return w.out
    }

    // MARK: Decoding

    struct Reader {
        let b: [UInt8]
        var i: Int
        let end: Int
        mutating func need(_ n: Int) throws { if i + n > end { throw PDUError.truncated(offset: i) } }
        mutating func u8() throws -> UInt8 {
            try need(1)
            defer { i += 1 }
            return b[i]
        }
        mutating func u16() throws -> Int {
            try need(2)
            defer { i += 2 }
            return Int(b[i]) << 8 | Int(b[i + 1])
        }
        mutating func u32() throws -> Int {
            try need(4)
            defer { i += 4 }
            return Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        }
        mutating func bytes(_ n: Int) throws -> [UInt8] {
            try need(n)
            defer { i += n }
            return Array(b[i..<(i + n)])
        }
        mutating func string(_ n: Int) throws -> String {
            String(decoding: try bytes(n), as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
        }
    }

    /// Decodes one complete PDU (header included). `maxLength` bounds the body a peer may send.
    public static func decode(_ data: Data, maxLength: Int = 64 * 1024 * 1024) throws -> PDU {
        if data.first == 0x04 { return .dataTF(try decodeDataTF(data, maxLength: maxLength)) }
        let bytes = [UInt8](data)
        guard let (type, length) = header(bytes) else { throw PDUError.truncated(offset: 0) }
        guard length <= maxLength else { throw PDUError.tooLarge(length: length, limit: maxLength) }
        guard bytes.count >= 6 + length else { throw PDUError.truncated(offset: bytes.count) }
        var r = Reader(b: bytes, i: 6, end: 6 + length)
        switch type {
        case 0x01, 0x02:
            _ = try r.u16()  // protocol version
            _ = try r.u16()
            let called = try r.string(16)
            let calling = try r.string(16)
            _ = try r.bytes(32)
            var context = ""
            var rqContexts: [PresentationContextRQ] = []
            var acContexts: [PresentationContextAC] = []
            var user = UserInformation()
            while r.i < r.end {
                let itemType = try r.u8()
                _ = try r.u8()
                let itemLength = try r.u16()
                try r.need(itemLength)
                var item = Reader(b: bytes, i: r.i, end: r.i + itemLength)
                r.i += itemLength
                switch itemType {
                case 0x10: context = try item.string(itemLength)
                case 0x20:
                    let id = try item.u8()
                    _ = try item.bytes(3)
                    var pc = PresentationContextRQ(id: id, abstractSyntax: "", transferSyntaxes: [])
                    while item.i < item.end {
                        let subType = try item.u8()
                        _ = try item.u8()
                        let subLength = try item.u16()
                        let uid = try item.string(subLength)
                        if subType == 0x30 { pc.abstractSyntax = uid } else if subType == 0x40 { pc.transferSyntaxes.append(uid) }
                    }
                    rqContexts.append(pc)
                case 0x21:
                    let id = try item.u8()
                    _ = try item.u8()
                    let result = try item.u8()
                    _ = try item.u8()
                    var ts = ""
                    while item.i < item.end {
                        let subType = try item.u8()
                        _ = try item.u8()
                        let subLength = try item.u16()
                        let uid = try item.string(subLength)
                        if subType == 0x40 { ts = uid }
                    }
                    acContexts.append(PresentationContextAC(id: id, result: .init(rawValue: result) ?? .noReason, transferSyntax: ts))
                case 0x50: user = try decodeUserInformation(&item)
                default: break  // unknown items are ignored (PS3.8 9.3.1)
                }
            }
            if type == 0x01 {
                var rq = AssociateRQ(calledAETitle: called, callingAETitle: calling, presentationContexts: rqContexts, userInformation: user)
                rq.applicationContext = context
                return .associateRQ(rq)
            }
            return .associateAC(AssociateAC(calledAETitle: called, callingAETitle: calling, applicationContext: context,
                                            presentationContexts: acContexts, userInformation: user))
        case 0x03:
            _ = try r.u8()
            return .associateRJ(AssociateRJ(result: try r.u8(), source: try r.u8(), reason: try r.u8()))
        case 0x04:
            var pdvs: [PDV] = []
            while r.i < r.end {
                let itemLength = try r.u32()
                guard itemLength >= 2 else { throw PDUError.invalidItem(type: 0x04, offset: r.i - 4) }
                try r.need(itemLength)
                let id = try r.u8()
                let header = try r.u8()
                let value = Data(bytes[r.i..<(r.i + itemLength - 2)])
                r.i += itemLength - 2
                pdvs.append(PDV(contextID: id, isCommand: header & 1 == 1, isLast: header & 2 == 2, data: value))
            }
            return .dataTF(pdvs)
        case 0x05: return .releaseRQ
        case 0x06: return .releaseRP
        case 0x07:
            _ = try r.u16()
            return .abort(source: try r.u8(), reason: try r.u8())
        default:
            throw PDUError.unknownType(type)
        }
    }

    /// P-DATA-TF without copying: each PDV's value is a slice of the PDU's bytes, so a large data set fragment
    /// goes from the socket buffer to its destination (a file, for C-STORE) with no intermediate copy.
    static func decodeDataTF(_ input: Data, maxLength: Int) throws -> [PDV] {
        let data = input.startIndex == 0 ? input : Data(input)
        guard let (_, length) = header([UInt8](data.prefix(6))) else { throw PDUError.truncated(offset: 0) }
        guard length <= maxLength else { throw PDUError.tooLarge(length: length, limit: maxLength) }
        guard data.count >= 6 + length else { throw PDUError.truncated(offset: data.count) }
        var i = 6
        let end = 6 + length
        var pdvs: [PDV] = []
        while i < end {
            guard i + 6 <= end else { throw PDUError.truncated(offset: i) }
            let itemLength = Int(data[i]) << 24 | Int(data[i + 1]) << 16 | Int(data[i + 2]) << 8 | Int(data[i + 3])
            guard itemLength >= 2 else { throw PDUError.invalidItem(type: 0x04, offset: i) }
            guard i + 4 + itemLength <= end else { throw PDUError.truncated(offset: i) }
            let id = data[i + 4], flags = data[i + 5]
            pdvs.append(PDV(contextID: id, isCommand: flags & 1 == 1, isLast: flags & 2 == 2, data: data[(i + 6)..<(i + 4 + itemLength)]))
            i += 4 + itemLength
        }
        return pdvs
    }

    static func decodeUserInformation(_ r: inout Reader) throws -> UserInformation {
        var u = UserInformation()
        while r.i < r.end {
            let type = try r.u8()
            _ = try r.u8()
            let length = try r.u16()
            try r.need(length)
            var s = Reader(b: r.b, i: r.i, end: r.i + length)
            r.i += length
            switch type {
            case 0x51: u.maxLength = UInt32(try s.u32())
            case 0x52: u.implementationClassUID = try s.string(length)
            case 0x53: u.asyncOperations = (UInt16(try s.u16()), UInt16(try s.u16()))
            case 0x54:
                let uidLength = try s.u16()
                let uid = try s.string(uidLength)
                u.roleSelections.append(RoleSelection(sopClassUID: uid, scuRole: try s.u8() == 1, scpRole: try s.u8() == 1))
            case 0x55: u.implementationVersionName = try s.string(length)
            case 0x56:
                let uidLength = try s.u16()
                let uid = try s.string(uidLength)
                u.extendedNegotiation.append((uid, Data(try s.bytes(s.end - s.i))))
            case 0x58:
                let idType = try s.u8()
                let positive = try s.u8() == 1
                let primary = Data(try s.bytes(try s.u16()))
                let secondary = Data(try s.bytes(try s.u16()))
                u.userIdentityRequest = UserIdentity(type: idType, positiveResponseRequested: positive, primary: primary, secondary: secondary)
            case 0x59: u.userIdentityResponse = Data(try s.bytes(try s.u16()))
            default: break
            }
        }
        return u
    }
}

import DICOM
import Foundation
import Platform
import Testing

@testable import Archive

struct MultipartReaderTests {
    func body(_ parts: [(String, [UInt8])], boundary: String = "b0undary", preamble: String = "") -> [UInt8] {
        var out = Array(preamble.utf8)
        for (type, data) in parts {
            out += Array("--\(boundary)\r\nContent-Type: \(type)\r\n\r\n".utf8) + data + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\n".utf8)
    }

    /// Feeds `bytes` in chunks of `size` and collects the parts.
    func parse(_ bytes: [UInt8], chunk size: Int) throws -> [(headers: [String: String], data: [UInt8])] {
        var reader = MultipartReader(boundary: "b0undary")
        var parts: [(headers: [String: String], data: [UInt8])] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            for event in try reader.feed(bytes[offset..<end]) {
                switch event {
                case .part(let headers): parts.append((headers, []))
                case .body(let data): parts[parts.count - 1].data += data
                case .partEnd: break
                }
            }
            offset = end
        }
        try reader.finish()
        return parts
    }

    @Test("parts come out whole however the body is split, including bodies that contain CRLF and dashes")
    func chunking() throws {
        let tricky = Array("\r\n--b0undar\r\n-".utf8) + (0..<300).map { UInt8($0 % 256) }
        let input = body([("application/dicom", tricky), ("application/dicom; transfer-syntax=*", []), ("text/plain", Array("x".utf8))],
                         preamble: "ignored preamble\r\n")
        for size in [1, 2, 3, 7, 13, 64, 4096] {
            let parts = try parse(input, chunk: size)
            #expect(parts.count == 3, "chunk \(size)")
            #expect(parts[0].data == tricky, "chunk \(size)")
            #expect(parts[1].data.isEmpty && parts[1].headers["content-type"] == "application/dicom; transfer-syntax=*")
            #expect(parts[2].data == Array("x".utf8))
        }
    }

    @Test("a body that stops before the closing boundary, or has no headers end, is malformed")
    func truncated() throws {
        let input = body([("application/dicom", Array(repeating: 7, count: 100))])
        #expect(throws: MultipartReader.Failure.self) { try parse(Array(input.dropLast(10)), chunk: 16) }
        var reader = MultipartReader(boundary: "b0undary")
        #expect(throws: MultipartReader.Failure.self) {
            _ = try reader.feed(Array("--b0undary\r\n".utf8) + Array(repeating: UInt8(ascii: "a"), count: 20_000))
        }
    }

    @Test("boundary parameter, quoted or not")
    func boundary() {
        #expect(MultipartReader.boundary(of: "multipart/related; type=\"application/dicom\"; boundary=\"abc def\"") == "abc def")
        #expect(MultipartReader.boundary(of: "multipart/related; boundary=xyz") == "xyz")
        #expect(MultipartReader.boundary(of: "multipart/related") == nil)
    }
}

struct QIDOSearchTests {
    @Test("attributes by keyword or tag, UID lists, includefield, paging and fuzzy names")
    func parsing() throws {
        let search = try QIDOSearch(level: .study, parameters: [
            ("PatientName", "张"), ("00080050", "A1"), ("StudyInstanceUID", "1.2,1.3"), ("includefield", "00081030,InstitutionName"),
            ("limit", "10"), ("offset", "5"), ("fuzzymatching", "true"),
        ])
        #expect(search.matches[.patientName] == "张")
        #expect(search.matches[.accessionNumber] == "A1")
        #expect(search.matches[.studyInstanceUID] == "1.2\\1.3")
        #expect(search.includeFields == [Tag(0x0008, 0x1030), Tag(0x0008, 0x0080)])
        #expect(search.limit == 10 && search.offset == 5 && search.fuzzy)
        let identifier = search.identifier()
        #expect(identifier.string(.patientName) == "*张*")
        #expect(identifier[Tag(0x0008, 0x0080)] != nil, "included fields become return keys")
        #expect(QIDOSearch.fuzzyName("zhang=张") == "*zhang*=*张*")
    }

    @Test("mistakes name the parameter")
    func errors() {
        for bad in [("limit", "-1"), ("Nonsense", "1"), ("fuzzymatching", "yes please"), ("ReferencedStudySequence", "1")] {
            #expect(throws: DomainError.self) { try QIDOSearch(level: .study, parameters: [bad]) }
        }
    }
}

struct MultipartRobustnessTests {
    @Test("boundary text inside a part or the preamble is data, and the reader keeps streaming")
    func falseDelimiters() throws {
        let data = Array("before\r\n--b0undaryX and more\r\n--b0undary is not alone".utf8)
        let body = Array("--b0undaryZ preamble\r\n--b0undary\r\nContent-Type: application/dicom\r\n\r\n".utf8) + data
            + Array("\r\n--b0undary--\r\n".utf8)
        for size in [1, 5, 64] {
            var reader = MultipartReader(boundary: "b0undary")
            var parts: [[UInt8]] = []
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + size)
                for event in try reader.feed(body[offset..<end]) {
                    switch event {
                    case .part: parts.append([])
                    case .body(let d): parts[parts.count - 1] += d
                    case .partEnd: break
                    }
                }
                offset = end
            }
            try reader.finish()
            #expect(parts == [data], "chunk \(size)")
        }
    }
}

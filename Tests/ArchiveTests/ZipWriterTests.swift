import Foundation
import Testing

@testable import Archive

/// Reads back what ZipWriter wrote through the central directory, as unzip does.
struct ZipWriterTests {
    func u16(_ d: [UInt8], _ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 }
    func u32(_ d: [UInt8], _ o: Int) -> Int { u16(d, o) | u16(d, o + 2) << 16 }

    @Test func entriesRoundTrip() throws {
        var zip = ZipWriter()
        var out = Data()
        let files: [(String, Data)] = [("hello.txt", Data("hello".utf8)), ("系列/图像 1.jpg", Data(repeating: 7, count: 100_000)), ("empty", Data())]
        for (name, data) in files { out.append(zip.entry(name: name, data: data)) }
        out.append(zip.finish())
        #expect(UInt64(out.count) == zip.size)
        let d = [UInt8](out)
        let end = d.count - 22
        #expect(u32(d, end) == 0x0605_4B50)
        #expect(u16(d, end + 10) == files.count)
        var cd = u32(d, end + 16)
        for (name, data) in files {
            #expect(u32(d, cd) == 0x0201_4B50)
            #expect(u16(d, cd + 8) & (1 << 11) != 0)  // UTF-8 names
            let crc = u32(d, cd + 16), size = u32(d, cd + 24), nameLength = u16(d, cd + 28), extra = u16(d, cd + 30)
            let local = u32(d, cd + 42)
            #expect(String(decoding: d[(cd + 46)..<(cd + 46 + nameLength)], as: UTF8.self) == name)
            #expect(size == data.count)
            #expect(u32(d, local) == 0x0403_4B50 && u32(d, local + 14) == crc)
            let start = local + 30 + u16(d, local + 26) + u16(d, local + 28)
            #expect(Data(d[start..<(start + size)]) == data)
            cd += 46 + nameLength + extra
        }
        // CRC-32 of "hello" (known value).
        #expect(u32(d, u32(d, end + 16) + 16) == 0x3610_A686)
    }

    @Test func safeNames() {
        #expect(StudyExport.safeName("S2_CT_肺窗 1/2\"") == "S2_CT_肺窗 1_2_")
        #expect(StudyExport.safeName("..") == "export")
    }
}

/// The fetch-back cache keeps the most recently read copies within its size.
struct CacheTests {
    @Test func pruneRemovesLeastRecentlyRead() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("yy-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let storage = TieredStorage(local: LocalFileStorage(root: root), remote: nil)
        let cache = root.appendingPathComponent("cache/ab", isDirectory: true)
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        for (n, age) in [("old", 300.0), ("mid", 200.0), ("new", 100.0)] {
            let url = cache.appendingPathComponent(n)
            try Data(count: 1000).write(to: url)
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
        }
        #expect(storage.cacheUsage() == (bytes: 3000, files: 3))
        #expect(storage.pruneCache(maxBytes: 5000) == 0)
        #expect(storage.pruneCache(maxBytes: 1500) == 2)
        #expect(FileManager.default.fileExists(atPath: cache.appendingPathComponent("new").path))
        #expect(!FileManager.default.fileExists(atPath: cache.appendingPathComponent("old").path))
    }
}

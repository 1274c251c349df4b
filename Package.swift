// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Yunying",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "yunying", targets: ["yunying"]),
        // The DICOM file tools alone (`yunying dicom …` without the server), for benchmarks and quick builds.
        .executable(name: "dicomtool", targets: ["dicomtool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CXLSXWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        .systemLibrary(name: "CDICOMZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "DICOM", dependencies: ["CDICOMZlib"]),
        .systemLibrary(name: "CCharLS", pkgConfig: "charls", providers: [.apt(["libcharls-dev"])]),
        .systemLibrary(name: "COpenJPEG", pkgConfig: "libopenjp2", providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .target(
            name: "CIJGJPEG",
            linkerSettings: [.linkedLibrary("gdcmjpeg8"), .linkedLibrary("gdcmjpeg12"), .linkedLibrary("gdcmjpeg16")]),
        .target(
            name: "DICOMNetwork",
            dependencies: [
                "DICOM", "DICOMImaging",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(name: "DICOMImaging", dependencies: ["DICOM", "CDICOMZlib", "CCharLS", "COpenJPEG", "CTurboJPEG", "CIJGJPEG"]),
        .target(
            name: "Spreadsheet",
            dependencies: [
                "CXLSXWriter",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .target(
            name: "Platform",
            dependencies: [
                "Spreadsheet",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "Archive",
            dependencies: [
                "DICOM", "DICOMImaging", "DICOMNetwork", "Platform", "CDICOMZlib",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        .target(
            name: "Scheduling",
            dependencies: [
                "Platform", "DICOM",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "Server",
            dependencies: [
                "Platform", "Spreadsheet", "Archive", "Scheduling", "DICOMNetwork", "DICOM", "DICOMImaging", "CDICOMZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "yunying",
            dependencies: [
                "Server", "Platform", "DICOMCommands", "DICOMNetwork", "Archive", "Scheduling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .target(
            name: "DICOMCommands",
            dependencies: ["DICOM", "DICOMImaging", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "dicomtool", dependencies: ["DICOMCommands"]),
        .testTarget(name: "SpreadsheetTests", dependencies: ["Spreadsheet"]),
        .testTarget(name: "DICOMTests", dependencies: ["DICOM"]),
        .testTarget(name: "DICOMNetworkTests", dependencies: ["DICOMNetwork", "DICOM"]),
        .testTarget(name: "DICOMImagingTests", dependencies: ["DICOMImaging", "DICOM"]),
        .target(
            name: "TestSupport", dependencies: ["Platform", .product(name: "PostgresKit", package: "postgres-kit")],
            path: "Tests/Support"),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "Platform", "TestSupport"]),
        .testTarget(name: "ArchiveTests", dependencies: ["Archive", "DICOM", "DICOMNetwork", "Platform", "TestSupport"]),
        .testTarget(
            name: "PlatformTests",
            dependencies: [
                "Platform", "Spreadsheet", "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Platform", "Archive",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
    ]
)

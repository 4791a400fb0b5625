#!/usr/bin/env python3
"""Packs adapter-manifest/ into a VS Code extension package (.vsix) without npm or vsce.

A .vsix is a zip holding what vsce writes: extension.vsixmanifest (the VSIX 2.0 package manifest:
identity, display name, description, the installation target Microsoft.VisualStudio.Code, the
engine, and the assets, among them Microsoft.VisualStudio.Code.Manifest -> extension/package.json),
[Content_Types].xml (a content type for every file extension in the zip), and the extension itself
under extension/. `code --install-extension FILE.vsix` unpacks extension/ and reads package.json.

    pack-vsix.py [--adapter PATH-TO-swrr-dap] [--output FILE.vsix | --output-dir DIR]

Without --output the package is DIR/swrr-<version>.vsix (DIR: --output-dir, default the current
directory). --adapter puts that executable at extension/bin/swrr-dap (mode 0755), where
extension.js looks when neither the setting swrr.adapterPath nor PATH has swrr-dap. The zip is
reproducible: fixed entry order and timestamps, so the same inputs give the same bytes.
"""
import argparse
import json
import os
import sys
import zipfile
from xml.sax.saxutils import escape, quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Zip's earliest representable time: a package built twice is byte-identical.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

# The files of the extension (paths inside extension/ -> files here); LICENSE when the repository has one.
EXTENSION_FILES = [("package.json", "package.json"), ("extension.js", "extension.js"), ("README.md", "README.md")]

CONTENT_TYPES = {
    ".json": "application/json",
    ".js": "application/javascript",
    ".md": "text/markdown",
    ".txt": "text/plain",
    ".vsixmanifest": "text/xml",
}


def vsix_manifest(pkg, has_license):
    """The extension.vsixmanifest vsce writes for this package.json (the fields VS Code and the
    marketplace read)."""
    properties = [
        ("Microsoft.VisualStudio.Code.Engine", pkg["engines"]["vscode"]),
        ("Microsoft.VisualStudio.Code.ExtensionDependencies", ",".join(pkg.get("extensionDependencies", []))),
        ("Microsoft.VisualStudio.Code.ExtensionPack", ",".join(pkg.get("extensionPack", []))),
        ("Microsoft.VisualStudio.Code.ExtensionKind", "workspace"),
        ("Microsoft.VisualStudio.Code.LocalizedLanguages", ""),
        ("Microsoft.VisualStudio.Services.GitHubFlavoredMarkdown", "true"),
        ("Microsoft.VisualStudio.Services.Content.Pricing", "Free"),
    ]
    assets = [
        ("Microsoft.VisualStudio.Code.Manifest", "extension/package.json"),
        ("Microsoft.VisualStudio.Services.Content.Details", "extension/README.md"),
    ]
    if has_license:
        assets.append(("Microsoft.VisualStudio.Services.Content.License", "extension/LICENSE.txt"))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011"'
        ' xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">',
        "  <Metadata>",
        "    <Identity Language=\"en-US\" Id=%s Version=%s Publisher=%s/>"
        % (quoteattr(pkg["name"]), quoteattr(pkg["version"]), quoteattr(pkg["publisher"])),
        "    <DisplayName>%s</DisplayName>" % escape(pkg.get("displayName", pkg["name"])),
        '    <Description xml:space="preserve">%s</Description>' % escape(pkg.get("description", "")),
        "    <Tags>%s</Tags>" % escape(",".join(pkg.get("keywords", []) + ["debuggers"])),
        "    <Categories>%s</Categories>" % escape(",".join(pkg.get("categories", []))),
        "    <GalleryFlags>Public</GalleryFlags>",
        "    <Properties>",
    ]
    lines += ["      <Property Id=%s Value=%s/>" % (quoteattr(k), quoteattr(v)) for k, v in properties]
    lines.append("    </Properties>")
    if has_license:
        lines.append("    <License>extension/LICENSE.txt</License>")
    lines += [
        "  </Metadata>",
        "  <Installation>",
        '    <InstallationTarget Id="Microsoft.VisualStudio.Code"/>',
        "  </Installation>",
        "  <Dependencies/>",
        "  <Assets>",
    ]
    lines += ['    <Asset Type=%s Path=%s Addressable="true"/>' % (quoteattr(t), quoteattr(p)) for t, p in assets]
    lines += ["  </Assets>", "</PackageManifest>", ""]
    return "\n".join(lines)


def content_types(names):
    """[Content_Types].xml: one Default per file extension present (vsce does the same); files
    without an extension (bin/swrr-dap) need none."""
    extensions = sorted({os.path.splitext(n)[1] for n in names if os.path.splitext(n)[1]} | {".vsixmanifest"})
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">']
    for ext in extensions:
        kind = CONTENT_TYPES.get(ext, "application/octet-stream")
        lines.append("  <Default Extension=%s ContentType=%s/>" % (quoteattr(ext), quoteattr(kind)))
    lines += ["</Types>", ""]
    return "\n".join(lines)


def add(zf, name, data, mode=0o644):
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix: VS Code's unzip applies the mode in the high 16 bits
    info.external_attr = (0o100000 | mode) << 16
    zf.writestr(info, data)


def main():
    parser = argparse.ArgumentParser(description="Pack adapter-manifest/ into swrr-<version>.vsix")
    parser.add_argument("--adapter", help="swrr-dap executable to bundle at extension/bin/swrr-dap")
    parser.add_argument("--output", help="the .vsix to write")
    parser.add_argument("--output-dir", default=".", help="where swrr-<version>.vsix goes (default .)")
    args = parser.parse_args()

    with open(os.path.join(HERE, "package.json"), "rb") as f:
        package_bytes = f.read()
    pkg = json.loads(package_bytes)
    for key in ("name", "version", "publisher", "main"):
        if not isinstance(pkg.get(key), str) or not pkg[key]:
            sys.exit("pack-vsix: package.json has no '%s'" % key)
    if pkg["engines"].get("vscode") is None:
        sys.exit("pack-vsix: package.json has no engines.vscode")

    files = [("extension/" + inside, os.path.join(HERE, here)) for inside, here in EXTENSION_FILES]
    license_file = next((os.path.join(ROOT, n) for n in ("LICENSE", "LICENSE.txt", "LICENSE.md")
                         if os.path.isfile(os.path.join(ROOT, n))), None)
    if license_file:
        files.append(("extension/LICENSE.txt", license_file))
    if args.adapter:
        if not (os.path.isfile(args.adapter) and os.access(args.adapter, os.X_OK)):
            sys.exit("pack-vsix: %s is not an executable file" % args.adapter)
        files.append(("extension/bin/swrr-dap", args.adapter))

    output = args.output or os.path.join(args.output_dir, "swrr-%s.vsix" % pkg["version"])
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    temporary = output + ".tmp"
    with zipfile.ZipFile(temporary, "w") as zf:
        add(zf, "extension.vsixmanifest", vsix_manifest(pkg, license_file is not None))
        add(zf, "[Content_Types].xml", content_types([n for n, _ in files]))
        for name, source in files:
            with open(source, "rb") as f:
                data = f.read()
            add(zf, name, data, 0o755 if name == "extension/bin/swrr-dap" else 0o644)
    os.replace(temporary, output)
    print("pack-vsix: wrote %s (%s %s%s)" % (output, pkg["name"], pkg["version"],
                                          ", with swrr-dap" if args.adapter else ""))


if __name__ == "__main__":
    main()

{
  # The reproducible build for Nix users:
  #   nix build .#serve   static musl binary at ./result/bin/serve
  #   nix build .#image   docker-archive tarball at ./result (one file, /serve)
  #   docker load < result    (or: skopeo copy --format v2s2 docker-archive:result docker://REG/REPO:TAG)
  #   nix flake check     clippy, rustfmt and the tests
  # Same image config as ./Containerfile (entrypoint, port, labels); the layout differs only
  # in the tar metadata the two tools write, so digests differ between the two paths.
  description = "SageMaker hosting server for H2O-3 MOJO models, as a static binary and a FROM-scratch image";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    crane.url = "github:ipetkov/crane";
    rust-overlay = {
      url = "github:oxalica/rust-overlay";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, crane, rust-overlay, ... }:
    let
      # The image runs on x86_64 SageMaker instances; the build host is x86_64 Linux too.
      system = "x86_64-linux";
      target = "x86_64-unknown-linux-musl";
      pkgs = import nixpkgs {
        inherit system;
        overlays = [ (import rust-overlay) ];
      };
      inherit (pkgs) lib;

      # Pinned to the toolchain CI uses, with the musl target (crane's cross-musl example).
      toolchain = pkgs.rust-bin.stable."1.95.0".default.override { targets = [ target ]; };
      craneLib = (crane.mkLib pkgs).overrideToolchain (_: toolchain);

      workspace = (builtins.fromTOML (builtins.readFile ./Cargo.toml)).workspace.package;
      version = workspace.version;
      revision = self.rev or (self.dirtyRev or "unknown");

      # Cargo sources plus what the crates include at compile time and what the tests read.
      src = lib.fileset.toSource {
        root = ./.;
        fileset = lib.fileset.unions [
          (craneLib.fileset.commonCargoSources ./.)
          ./testdata
          ./core/testdata
          (lib.fileset.fileFilter (f: f.hasExt "zip") ./core/src)
          (lib.fileset.fileFilter (f: f.hasExt "json") ./serve)
        ];
      };

      # A C compiler for musl, for crates with C code (an allocator, say).
      muslCC = pkgs.pkgsStatic.stdenv.cc;

      commonArgs = {
        inherit src version;
        pname = "serve";
        strictDeps = true;
        cargoExtraArgs = "--locked -p serve";
        CARGO_BUILD_TARGET = target;
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS = "-C target-feature=+crt-static";
        nativeBuildInputs = [ muslCC ];
        CC_x86_64_unknown_linux_musl = "${muslCC}/bin/${muslCC.targetPrefix}cc";
      };

      # Dependencies build once and are cached apart from the workspace's own code.
      cargoArtifacts = craneLib.buildDepsOnly commonArgs;

      serve = craneLib.buildPackage (commonArgs // {
        inherit cargoArtifacts;
        doCheck = false; # the tests run in `checks`
        # A static binary refers to nothing in the store; fail the build if it ever does,
        # because each reference would end up in the image.
        allowedReferences = [ ];
        doInstallCheck = true;
        installCheckPhase = ''
          runHook preInstallCheck
          $out/bin/serve --version
          runHook postInstallCheck
        '';
        meta.mainProgram = "serve";
      });

      # Binary only: /serve in one layer, nothing from the store (no shell, no libc).
      image = pkgs.dockerTools.buildLayeredImage {
        name = "serve";
        tag = version;
        # dockerTools fixes every timestamp (1970-01-01) and owner (root) already.
        extraCommands = ''
          cp ${serve}/bin/serve serve
          chmod 0555 serve
        '';
        config = {
          Entrypoint = [ "/serve" ];
          ExposedPorts = { "8080/tcp" = { }; };
          Labels = {
            "com.amazonaws.sagemaker.capabilities.accept-bind-to-port" = "true";
            "com.amazonaws.sagemaker.capabilities.multi-models" = "true";
            "org.opencontainers.image.title" = "serve";
            "org.opencontainers.image.description" = "SageMaker hosting server for H2O-3 MOJO models";
            "org.opencontainers.image.licenses" = workspace.license;
            "org.opencontainers.image.source" = workspace.repository;
            "org.opencontainers.image.revision" = revision;
            "org.opencontainers.image.version" = version;
          };
        };
      };
    in
    {
      packages.${system} = {
        inherit serve image;
        default = serve;
      };

      checks.${system} = {
        inherit serve;
        fmt = craneLib.cargoFmt { inherit src version; pname = "serve"; };
        clippy = craneLib.cargoClippy (commonArgs // {
          inherit cargoArtifacts;
          cargoExtraArgs = "--locked --workspace";
          cargoClippyExtraArgs = "--all-targets -- --deny warnings";
        });
        nextest = craneLib.cargoNextest (commonArgs // {
          inherit cargoArtifacts;
          cargoExtraArgs = "--locked --workspace";
        });
      };

      devShells.${system}.default = craneLib.devShell {
        checks = self.checks.${system};
        packages = [ pkgs.just pkgs.skopeo ];
      };
    };
}

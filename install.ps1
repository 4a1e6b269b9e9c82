# Installs aws-vault for Deno from a GitHub release (Windows):
#
#   irm https://github.com/aws-vault-deno/aws-vault/releases/latest/download/install.ps1 | iex
#   .\install.ps1 [-Dir DIR] [-Version vX.Y.Z] [-Force]
#
# It picks the Windows asset from the release's SHA256SUMS, downloads it, checks its SHA-256
# against that list (nothing is installed on a mismatch), and installs aws-vault.exe into DIR
# (default %LOCALAPPDATA%\Programs\aws-vault, added to the user's PATH). An existing file there
# is replaced only when it is aws-vault (ours or the Go one); anything else needs -Force.
#
# Environment: AWS_VAULT_INSTALL_DIR (as -Dir), AWS_VAULT_INSTALL_REPO (owner/name on GitHub),
# AWS_VAULT_INSTALL_BASE_URL (where the release assets are; tests serve them locally).
param(
  [string]$Dir = $(if ($env:AWS_VAULT_INSTALL_DIR) { $env:AWS_VAULT_INSTALL_DIR } else { Join-Path $env:LOCALAPPDATA 'Programs\aws-vault' }),
  [string]$Version = '',
  [switch]$Force
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# throw, not exit: under `irm ... | iex` an exit would close the user's PowerShell window.
function Fail([string]$Message) { throw "install.ps1: $Message" }

$repo = if ($env:AWS_VAULT_INSTALL_REPO) { $env:AWS_VAULT_INSTALL_REPO } else { 'aws-vault-deno/aws-vault' }
if ($env:AWS_VAULT_INSTALL_BASE_URL) {
  $base = $env:AWS_VAULT_INSTALL_BASE_URL.TrimEnd('/')
} elseif ($Version) {
  $base = "https://github.com/$repo/releases/download/$Version"
} else {
  $base = "https://github.com/$repo/releases/latest/download"
}

# Only an x64 build exists; Windows on ARM runs it under emulation.
$arch = 'amd64'

$tmp = Join-Path ([IO.Path]::GetTempPath()) ("aws-vault-install-" + [Guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
  $sumsPath = Join-Path $tmp 'SHA256SUMS'
  try { Invoke-WebRequest -UseBasicParsing -Uri "$base/SHA256SUMS" -OutFile $sumsPath }
  catch { Fail "could not download $base/SHA256SUMS" }

  $line = Get-Content $sumsPath | Where-Object { $_ -match "^[0-9a-f]{64}  aws-vault-\S+-windows-$arch\.zip$" } | Select-Object -First 1
  if (-not $line) { Fail "the release at $base has no asset for windows-$arch" }
  $want, $asset = $line -split '  ', 2

  $assetPath = Join-Path $tmp $asset
  try { Invoke-WebRequest -UseBasicParsing -Uri "$base/$asset" -OutFile $assetPath }
  catch { Fail "could not download $base/$asset" }
  $got = (Get-FileHash -Algorithm SHA256 -Path $assetPath).Hash.ToLowerInvariant()
  if ($got -ne $want) { Fail "checksum mismatch for ${asset}: expected $want, got $got; nothing was installed" }

  $unpacked = Join-Path $tmp 'x'
  try { Expand-Archive -Path $assetPath -DestinationPath $unpacked }
  catch { Fail "$asset is not a valid archive; nothing was installed" }
  $exe = Join-Path $unpacked 'aws-vault.exe'
  if (-not (Test-Path $exe)) { Fail "$asset holds no aws-vault.exe; nothing was installed" }
  $newVersion = (& $exe --version 2>&1 | Out-String).Trim()
  if ($LASTEXITCODE -ne 0) { Fail "the downloaded aws-vault does not run here: $newVersion" }

  $target = Join-Path $Dir 'aws-vault.exe'
  if (Test-Path $target) {
    $oldVersion = try { (& $target --version 2>&1 | Out-String).Trim() } catch { '' }
    if ($oldVersion -match '^v?\d+\.\d+\.\d+') {
      Write-Output "Replacing aws-vault $oldVersion at $target"
    } elseif (-not $Force) {
      Fail "$target exists and is not aws-vault; move it away or run again with -Force"
    }
  }

  New-Item -ItemType Directory -Force -Path $Dir | Out-Null
  $staged = Join-Path $Dir ".aws-vault.install.$PID.exe"
  Copy-Item -Path $exe -Destination $staged
  Move-Item -Force -Path $staged -Destination $target
  Write-Output "Installed aws-vault $newVersion to $target"

  $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
  $parts = @($userPath -split ';' | Where-Object { $_ })
  if ($parts -notcontains $Dir) {
    [Environment]::SetEnvironmentVariable('Path', (($parts + $Dir) -join ';'), 'User')
    Write-Output "Added $Dir to your user PATH; open a new terminal to use aws-vault."
  }
  Write-Output 'Shell completion (add to your PowerShell profile, $PROFILE):'
  Write-Output '  aws-vault --completion-script-pwsh | Out-String | Invoke-Expression'
} finally {
  Remove-Item -Recurse -Force -Path $tmp -ErrorAction SilentlyContinue
}

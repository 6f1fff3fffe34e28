// The built-in sources. Order matters only for `auto`: the first detector that claims a payload wins,
// so the generic native shape comes last.
import { atlassianNormalizer } from './atlassian.js'
import { auth0Normalizer } from './auth0.js'
import { duoNormalizer } from './duo.js'
import { entraNormalizer } from './entra.js'
import { googleWorkspaceNormalizer } from './google-workspace.js'
import { jumpcloudNormalizer } from './jumpcloud.js'
import { keycloakNormalizer } from './keycloak.js'
import { nativeNormalizer } from './native.js'
import { ocsfNormalizer } from './ocsf.js'
import { oktaNormalizer } from './okta.js'
import { oneloginNormalizer } from './onelogin.js'
import { onepasswordNormalizer } from './onepassword.js'
import { pingfederateNormalizer } from './pingfederate.js'
import { registerNormalizer } from './registry.js'

for (const n of [
  oktaNormalizer, entraNormalizer, auth0Normalizer, googleWorkspaceNormalizer, keycloakNormalizer, ocsfNormalizer,
  atlassianNormalizer, duoNormalizer, oneloginNormalizer, pingfederateNormalizer, jumpcloudNormalizer,
  onepasswordNormalizer, nativeNormalizer,
]) registerNormalizer(n)

export { detectSource, getNormalizer, isKnownSource, knownSources, normalize, type Normalizer } from './registry.js'

import type { IdentityRule } from '../config/identity.js';
import type { UpstreamProfile } from './upstream-client.js';

/**
 * Whether a profile satisfies a rule (`identity.allow`, `identity.admins`): any member of the rule suffices.
 * Email members consider a verified address only, since anyone can put any address on an account at most
 * providers; the domain is compared whole (`example.com` matches neither `a@sub.example.com` nor
 * `a@evilexample.com`). A claim member matches a string claim equal to one of its values, or a list claim
 * (groups) holding one, from its `provider` only when it names one.
 */
export function matchesRule(rule: IdentityRule, profile: UpstreamProfile): boolean {
  if (rule.anyone === true) return true;
  if (profile.emailVerified && profile.email !== null) {
    const email = profile.email.toLowerCase();
    const at = email.lastIndexOf('@');
    if (at > 0 && rule.emailDomains?.includes(email.slice(at + 1))) return true;
    if (rule.emails?.includes(email)) return true;
  }
  if (rule.claim && (rule.claim.provider === undefined || rule.claim.provider === profile.provider)) {
    const value = profile.claims[rule.claim.name];
    const values = rule.claim.values;
    if (typeof value === 'string' && values.includes(value)) return true;
    if (Array.isArray(value) && value.some((item) => typeof item === 'string' && values.includes(item))) return true;
  }
  return false;
}

// @ts-check
/**
 * @module net/types — JSDoc typedefs of the wire objects, mirroring docs/api.md.
 * IDs are decimal strings; times are RFC 3339 strings.
 */

/** @typedef {string} Id */
/** @typedef {{id: Id, username: string, display_name: string, avatar_url?: string, bot?: boolean}} UserRef */
/** @typedef {UserRef & {owner?: boolean, created_at?: string}} User */
/** @typedef {{accent_color: string|null, logo_url: string|null, app_name: string|null}} Branding */
/**
 * @typedef {{name: string, description: string|null, icon_url: string|null, branding: Branding,
 *   registration: "invite"|"open", version: string, voice_enabled: boolean, premium: boolean,
 *   setup_required: boolean, owner_id?: Id, message_max_chars?: number}} ServerInfo
 */
/** @typedef {{user: User, access_token: string, refresh_token: string, expires_in: number}} Session */
/** @typedef {{role_id: Id, allow: string[], deny: string[]}} PermissionOverwrite */
/**
 * @typedef {{id: Id, type: "text"|"voice"|"category", name: string, topic: string|null,
 *   parent_id: Id|null, position: number, permission_overwrites: PermissionOverwrite[],
 *   user_limit: number|null, bitrate: number|null, slowmode_seconds?: number}} Channel
 */
/** @typedef {{emoji: string, count: number, me: boolean}} Reaction */
/**
 * @typedef {{id: Id, channel_id: Id, author: UserRef, content: string, created_at: string,
 *   edited_at: string|null, reply_to: Id|null, mentions: Id[], reactions: Reaction[],
 *   nonce?: string, pinned?: boolean, pinned_at?: string|null, mention_everyone?: boolean,
 *   mention_roles?: Id[], attachments?: Attachment[], embeds?: Embed[], suppress_embeds?: boolean}} Message
 */
/**
 * @typedef {{id: Id, filename: string, size: number, content_type: string, url: string,
 *   width?: number, height?: number, thumbnail_url?: string}} Attachment
 */
/**
 * @typedef {{url: string, title?: string, description?: string, site_name?: string,
 *   image?: {url: string, width?: number, height?: number}}} Embed
 */
/** @typedef {"online"|"offline"} Presence */
/**
 * @typedef {{user: UserRef, nick: string|null, roles: Id[], joined_at: string,
 *   timeout_until: string|null, presence: Presence}} Member
 */
/**
 * @typedef {{id: Id, name: string, color: string|null, position: number, permissions: string[],
 *   hoist: boolean, mentionable: boolean, managed_by?: string|null}} Role
 */
/**
 * @typedef {{code: string, url: string, web_url: string, uses: number, max_uses: number|null,
 *   expires_at: string|null, created_by: Id, created_at: string}} Invite
 */
/** @typedef {{code: string, server: {name: string, icon_url: string|null}, member_count: number}} InvitePreview */
/** @typedef {{channel_id: Id, last_read_id: Id|null, unread_count: number, mention_count: number}} ReadState */
/**
 * @typedef {{user_id: Id, channel_id: Id|null, self_mute: boolean, self_deaf: boolean,
 *   mute: boolean, deaf: boolean}} VoiceState
 */
/**
 * @typedef {{session_id: string, user: User, server: ServerInfo, channels: Channel[], roles: Role[],
 *   members: Member[], member_count: number, voice_states: VoiceState[], read_states: ReadState[],
 *   large?: boolean}} Ready
 */
/** @typedef {{offset: number, range_len: number, members: Member[], member_count: number}} MembersChunk */
/** @typedef {{id: Id, channel_id: Id}} MessageDelete */
/** @typedef {{channel_id: Id, message_id: Id, user_id: Id, emoji: string}} ReactionEvent */
/** @typedef {{channel_id: Id, user_id: Id, timestamp: string}} TypingStart */
/** @typedef {{user_id: Id, status: Presence}} PresenceUpdate */
/** @typedef {{user_id: Id, channel_id: Id, speaking: boolean}} Speaking */
/** @typedef {{code: string, message: string}} VoiceError */
/** @typedef {{name: string, description: string}} PermissionInfo */
/** @typedef {{user: UserRef, reason: string|null, created_at: string}} Ban */
/**
 * @typedef {{id: Id, actor_id: Id|null, actor: {via: string, uid: number}|null, action: string,
 *   target_type: string|null, target_id: Id|null, reason: string|null,
 *   changes: {before?: any, after?: any}|null, created_at: string}} AuditEntry
 */
/** @typedef {{op: string, d: any, t?: string, s?: number}} Frame */
/** @typedef {{status: number, code: string, message: string, fields?: Record<string,string>, retry_after_ms?: number}} ApiError */

export {};

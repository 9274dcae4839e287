export { CardDataGuard } from './card-data-guard.ts';
export { maskCardNumbers } from './display-masking.ts';
export { cardDataIn, refuseCardDataIn } from './management-text.ts';
export { findPans, isSeparatorChar, isSoleSeparatorChar, type PanMatch } from './pan-scanner.ts';
export { type SadKind, sadKindInText } from './sensitive-auth-data.ts';
export { isWorthInspecting } from './text-inspector.ts';

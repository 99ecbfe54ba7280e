export { CHECK_IDS, type CheckId, isCheckId } from '../lib/ids';

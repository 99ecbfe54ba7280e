export { isRuleId, LOG_FILE_UNREADABLE, RULE_IDS, type RuleId } from '../../lib/ids';

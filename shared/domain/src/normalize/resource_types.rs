//! One resource vocabulary. Types: CloudFormation's type names, which AWS Config and the new Security
//! Hub's OCSF findings already use (`AWS::S3::Bucket`). Security Hub CSPM's ASFF writes its own
//! (`AwsS3Bucket`); this table gives the CloudFormation name of each ASFF type it knows, so a
//! report's "by resource type" table counts one kind once. The evidence keeps the source's
//! spelling; a type not in the table is kept as the source wrote it.
//!
//! Written from the ASFF `Resources[].Type` values in the Security Hub user guide ("Resources
//! attributes in ASFF") and the CloudFormation resource type reference; where Config names a type
//! differently from CloudFormation (an IAM managed policy: Config `AWS::IAM::Policy`,
//! CloudFormation `AWS::IAM::ManagedPolicy`), Config's name is used, since Config is the other
//! source of the same resources. `AwsAccount` becomes `AWS::::Account`, Config's account type.

/// `(ASFF type, CloudFormation type)`, sorted by the ASFF type.
const ASFF_TO_CLOUDFORMATION: &[(&str, &str)] = &[
    ("AwsAccount", "AWS::::Account"),
    ("AwsApiGatewayStage", "AWS::ApiGateway::Stage"),
    ("AwsApiGatewayV2Stage", "AWS::ApiGatewayV2::Stage"),
    ("AwsAthenaWorkGroup", "AWS::Athena::WorkGroup"),
    (
        "AwsAutoScalingAutoScalingGroup",
        "AWS::AutoScaling::AutoScalingGroup",
    ),
    ("AwsBackupBackupVault", "AWS::Backup::BackupVault"),
    ("AwsCertificateManagerCertificate", "AWS::ACM::Certificate"),
    ("AwsCloudFrontDistribution", "AWS::CloudFront::Distribution"),
    ("AwsCloudTrailTrail", "AWS::CloudTrail::Trail"),
    ("AwsCodeBuildProject", "AWS::CodeBuild::Project"),
    ("AwsDmsReplicationInstance", "AWS::DMS::ReplicationInstance"),
    ("AwsDynamoDbTable", "AWS::DynamoDB::Table"),
    ("AwsEc2Eip", "AWS::EC2::EIP"),
    ("AwsEc2Instance", "AWS::EC2::Instance"),
    ("AwsEc2LaunchTemplate", "AWS::EC2::LaunchTemplate"),
    ("AwsEc2NetworkAcl", "AWS::EC2::NetworkAcl"),
    ("AwsEc2NetworkInterface", "AWS::EC2::NetworkInterface"),
    ("AwsEc2RouteTable", "AWS::EC2::RouteTable"),
    ("AwsEc2SecurityGroup", "AWS::EC2::SecurityGroup"),
    ("AwsEc2Subnet", "AWS::EC2::Subnet"),
    ("AwsEc2TransitGateway", "AWS::EC2::TransitGateway"),
    ("AwsEc2Volume", "AWS::EC2::Volume"),
    ("AwsEc2Vpc", "AWS::EC2::VPC"),
    ("AwsEc2VpcEndpointService", "AWS::EC2::VPCEndpointService"),
    (
        "AwsEc2VpcPeeringConnection",
        "AWS::EC2::VPCPeeringConnection",
    ),
    ("AwsEc2VpnConnection", "AWS::EC2::VPNConnection"),
    ("AwsEcrRepository", "AWS::ECR::Repository"),
    ("AwsEcsCluster", "AWS::ECS::Cluster"),
    ("AwsEfsFileSystem", "AWS::EFS::FileSystem"),
    ("AwsEksCluster", "AWS::EKS::Cluster"),
    (
        "AwsElasticBeanstalkEnvironment",
        "AWS::ElasticBeanstalk::Environment",
    ),
    ("AwsElasticsearchDomain", "AWS::Elasticsearch::Domain"),
    (
        "AwsElbLoadBalancer",
        "AWS::ElasticLoadBalancing::LoadBalancer",
    ),
    (
        "AwsElbv2LoadBalancer",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
    ),
    ("AwsEventsEventbus", "AWS::Events::EventBus"),
    ("AwsIamAccessKey", "AWS::IAM::AccessKey"),
    ("AwsIamGroup", "AWS::IAM::Group"),
    ("AwsIamPolicy", "AWS::IAM::Policy"),
    ("AwsIamRole", "AWS::IAM::Role"),
    ("AwsIamUser", "AWS::IAM::User"),
    ("AwsKinesisStream", "AWS::Kinesis::Stream"),
    ("AwsKmsKey", "AWS::KMS::Key"),
    ("AwsLambdaFunction", "AWS::Lambda::Function"),
    ("AwsMskCluster", "AWS::MSK::Cluster"),
    (
        "AwsNetworkFirewallFirewall",
        "AWS::NetworkFirewall::Firewall",
    ),
    (
        "AwsOpenSearchServiceDomain",
        "AWS::OpenSearchService::Domain",
    ),
    ("AwsRdsDbCluster", "AWS::RDS::DBCluster"),
    ("AwsRdsDbClusterSnapshot", "AWS::RDS::DBClusterSnapshot"),
    ("AwsRdsDbInstance", "AWS::RDS::DBInstance"),
    ("AwsRdsDbSnapshot", "AWS::RDS::DBSnapshot"),
    ("AwsRedshiftCluster", "AWS::Redshift::Cluster"),
    ("AwsRoute53HostedZone", "AWS::Route53::HostedZone"),
    (
        "AwsS3AccountPublicAccessBlock",
        "AWS::S3::AccountPublicAccessBlock",
    ),
    ("AwsS3Bucket", "AWS::S3::Bucket"),
    (
        "AwsSageMakerNotebookInstance",
        "AWS::SageMaker::NotebookInstance",
    ),
    ("AwsSecretsManagerSecret", "AWS::SecretsManager::Secret"),
    ("AwsSnsTopic", "AWS::SNS::Topic"),
    ("AwsSqsQueue", "AWS::SQS::Queue"),
    ("AwsSsmPatchCompliance", "AWS::SSM::PatchCompliance"),
    (
        "AwsStepFunctionStateMachine",
        "AWS::StepFunctions::StateMachine",
    ),
    ("AwsWafWebAcl", "AWS::WAF::WebACL"),
    ("AwsWafv2WebAcl", "AWS::WAFv2::WebACL"),
];

/// The CloudFormation name of an ASFF resource type, or the type as given when the table does not
/// know it (a CloudFormation-style name, `Other`, a type AWS added since).
pub(super) fn from_asff(asff: &str) -> &str {
    ASFF_TO_CLOUDFORMATION
        .binary_search_by(|(name, _)| (*name).cmp(asff))
        .map_or(asff, |i| ASFF_TO_CLOUDFORMATION[i].1)
}

/// One form for a resource's id whatever the source: the ARN for the kinds that every source can
/// name by it (an S3 bucket, an EC2 security group), and the plain account id for an account
/// (Config and OCSF write `123456789012`, ASFF `AWS::::Account:123456789012`). Other ids are kept
/// as the source gives them: Config names an IAM user or an RDS instance by an internal id
/// (`AIDA…`, `db-…`) that no ARN can be built from. `account` and `region` are the finding's.
pub(super) fn resource_id(resource_type: &str, id: &str, account: &str, region: &str) -> String {
    if id.starts_with("arn:") {
        return id.to_string();
    }
    match resource_type {
        "AWS::::Account" => id.strip_prefix("AWS::::Account:").unwrap_or(id).to_string(),
        // Bucket names are global; the ARN has neither region nor account.
        "AWS::S3::Bucket" => ["arn:", partition(region), ":s3:::", id].concat(),
        "AWS::EC2::SecurityGroup" if id.starts_with("sg-") => [
            "arn:",
            partition(region),
            ":ec2:",
            region,
            ":",
            account,
            ":security-group/",
            id,
        ]
        .concat(),
        _ => id.to_string(),
    }
}

/// The ARN partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_unique_and_every_name_is_cloudformation_shaped() {
        for pair in ASFF_TO_CLOUDFORMATION.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for (asff, cloudformation) in ASFF_TO_CLOUDFORMATION {
            assert!(asff.starts_with("Aws"), "{asff}");
            let parts: Vec<&str> = cloudformation.split("::").collect();
            assert!(parts.len() == 3 && parts[0] == "AWS", "{cloudformation}");
        }
    }

    #[test]
    fn ids_take_one_form() {
        let id = |t: &str, id: &str| resource_id(t, id, "123456789012", "eu-west-1");
        assert_eq!(id("AWS::S3::Bucket", "logs"), "arn:aws:s3:::logs");
        assert_eq!(
            id("AWS::S3::Bucket", "arn:aws:s3:::logs"),
            "arn:aws:s3:::logs"
        );
        assert_eq!(
            resource_id("AWS::S3::Bucket", "logs", "123456789012", "cn-north-1"),
            "arn:aws-cn:s3:::logs"
        );
        assert_eq!(
            id("AWS::EC2::SecurityGroup", "sg-0abc"),
            "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc"
        );
        assert_eq!(
            id("AWS::::Account", "AWS::::Account:123456789012"),
            "123456789012"
        );
        assert_eq!(id("AWS::::Account", "123456789012"), "123456789012");
        assert_eq!(id("AWS::IAM::User", "AIDAEXAMPLE"), "AIDAEXAMPLE");
    }

    #[test]
    fn known_types_are_renamed_and_others_kept() {
        assert_eq!(from_asff("AwsS3Bucket"), "AWS::S3::Bucket");
        assert_eq!(from_asff("AwsRdsDbInstance"), "AWS::RDS::DBInstance");
        assert_eq!(from_asff("AwsAccount"), "AWS::::Account");
        assert_eq!(from_asff("AWS::S3::Bucket"), "AWS::S3::Bucket");
        assert_eq!(from_asff("Other"), "Other");
        assert_eq!(from_asff("AwsSomethingNew"), "AwsSomethingNew");
    }
}

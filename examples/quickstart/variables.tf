variable "emulator_url" {
  description = "Base URL of awsassoc-sim; every service endpoint points here."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "region" {
  description = "AWS region the provider signs requests for."
  type        = string
  default     = "us-east-1"
}
